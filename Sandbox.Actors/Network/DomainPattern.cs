namespace Sandbox.Actors.Network;

/// <summary>
/// A domain name in a policy: exact (<c>pypi.org</c>) or a wildcard (<c>*.pythonhosted.org</c>) that
/// matches one or more labels in front of its suffix (<c>files.pythonhosted.org</c>,
/// <c>a.b.pythonhosted.org</c>) but not the suffix itself. Names are compared lowercased without a
/// trailing dot.
/// </summary>
public sealed record DomainPattern
{
    public string Suffix { get; }
    public bool IsWildcard { get; }

    private DomainPattern(string suffix, bool wildcard)
    {
        Suffix = suffix;
        IsWildcard = wildcard;
    }

    public override string ToString() => IsWildcard ? "*." + Suffix : Suffix;

    public bool Matches(string name)
    {
        var n = Normalize(name);
        if (!IsWildcard) return n == Suffix;
        return n.Length > Suffix.Length + 1 && n.EndsWith(Suffix, StringComparison.Ordinal) && n[n.Length - Suffix.Length - 1] == '.';
    }

    public static string Normalize(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>Letters, digits, <c>-</c> and <c>_</c> per label (1–63, no leading or trailing
    /// <c>-</c>), at most 253 characters, and <c>*</c> only as the whole first label of a name that has
    /// at least one more label.</summary>
    public static bool TryParse(string? text, out DomainPattern? pattern, out string? why)
    {
        pattern = null;
        why = null;
        if (string.IsNullOrWhiteSpace(text)) { why = "empty"; return false; }
        var n = Normalize(text);
        var wildcard = n.StartsWith("*.", StringComparison.Ordinal);
        var suffix = wildcard ? n[2..] : n;
        if (suffix.Length is 0 or > 253) { why = "a name has 1 to 253 characters"; return false; }
        foreach (var label in suffix.Split('.'))
        {
            if (label.Length is 0 or > 63) { why = "every label has 1 to 63 characters"; return false; }
            if (label.Contains('*')) { why = "'*' may only be the whole first label, as in *.example.com"; return false; }
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) { why = "a label has only letters, digits, '-' and '_'"; return false; }
            if (label[0] == '-' || label[^1] == '-') { why = "a label does not start or end with '-'"; return false; }
        }
        if (suffix.Split('.').All(l => l.All(char.IsAsciiDigit))) { why = "looks like an address, not a name"; return false; }
        pattern = new DomainPattern(suffix, wildcard);
        return true;
    }
}
