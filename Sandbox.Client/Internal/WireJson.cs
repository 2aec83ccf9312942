using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sandbox.Client.Internal;

/// <summary>The server's JSON: snake_case names, absent values left out.</summary>
internal static class WireJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
