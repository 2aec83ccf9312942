using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// The JSON of API v1 (API-v1.md §1): snake_case names, times as RFC 3339 UTC strings, absent
/// values left out. One instance, shared by every /v1 route, the SSE and NDJSON writers.
/// </summary>
public static class V1Json
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,   // label keys and env names are data: kept as sent
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // "5" for a number is a client bug worth a 422, not something to guess at
            NumberHandling = JsonNumberHandling.Strict,
        };
        o.Converters.Add(new UtcTimestampConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
