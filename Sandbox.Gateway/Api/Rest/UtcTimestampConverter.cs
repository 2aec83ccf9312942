using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>Times on the wire are RFC 3339 in UTC with a <c>Z</c> (never a local offset), millisecond precision.</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || !DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var t))
            throw new JsonException("expected an RFC 3339 time string");
        return t.ToUniversalTime();
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}
