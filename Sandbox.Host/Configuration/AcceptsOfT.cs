namespace Sandbox.Host.Configuration;

/// <summary>
/// What one variable accepts: <see cref="Description"/> is the phrase that follows "expected" in an
/// error and fills the README's "Accepts" column; <see cref="Parse"/> turns the (trimmed) text into
/// the value or throws <see cref="RejectedValueException"/>. Made by the factories of <see cref="Accepts"/>.
/// </summary>
public sealed class Accepts<T>(string description, Func<string, T> parse)
{
    public string Description { get; } = description;

    public T Parse(string text) => parse(text);

    /// <summary>The same values, described differently (e.g. "a whole number of seconds …").</summary>
    public Accepts<T> Described(string description) => new(description, parse);

    /// <summary>The parsed value turned into the type the option record holds (seconds into a TimeSpan).</summary>
    public Accepts<TResult> Select<TResult>(Func<T, TResult> convert) => new(Description, text => convert(parse(text)));
}
