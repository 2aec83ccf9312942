using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>Query parameters of the /v1 routes, read so that a bad one is a 400 that names it and says what it takes.</summary>
public static class Query
{
    public static (string? Value, ApiProblem? Problem) RequiredString(HttpContext http, string name, string example)
    {
        if (!http.Request.Query.TryGetValue(name, out var v) || v.Count == 0 || string.IsNullOrEmpty(v[0]))
            return (null, ApiProblem.BadRequest($"The query parameter '{name}' is required, e.g. ?{name}={example}."));
        if (v.Count > 1) return (null, ApiProblem.BadRequest($"Send the query parameter '{name}' once."));
        return (v[0], null);
    }

    public static string? OptionalString(HttpContext http, string name) =>
        http.Request.Query.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

    public static (bool Value, ApiProblem? Problem) Bool(HttpContext http, string name, bool fallback)
    {
        if (OptionalString(http, name) is not { } s) return (fallback, null);
        if (s is "1") return (true, null);
        if (s is "0") return (false, null);
        if (bool.TryParse(s, out var b)) return (b, null);
        return (fallback, ApiProblem.BadRequest($"The query parameter '{name}' must be true or false, not '{s}'."));
    }

    public static (long Value, ApiProblem? Problem) Long(HttpContext http, string name, long fallback, long min, long max)
    {
        if (OptionalString(http, name) is not { } s) return (fallback, null);
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            return (fallback, ApiProblem.BadRequest($"The query parameter '{name}' must be a whole number from {min} to {max}, not '{s}'."));
        return (n, null);
    }

    /// <summary>A file mode in octal, as chmod takes it (<c>0644</c>, <c>755</c>).</summary>
    public static (int? Value, ApiProblem? Problem) OctalMode(HttpContext http, string name)
    {
        if (OptionalString(http, name) is not { } s) return (null, null);
        try
        {
            var m = Convert.ToInt32(s, 8);
            if (s.Length is >= 1 and <= 5 && m is >= 0 and <= 0xFFF) return (m, null);
        }
        catch (FormatException) { }
        catch (OverflowException) { }
        return (null, ApiProblem.BadRequest($"The query parameter '{name}' must be an octal file mode from 0 to 7777 (e.g. 0644), not '{s}'."));
    }
}
