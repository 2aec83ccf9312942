using System.Diagnostics.CodeAnalysis;

namespace Sandbox.Gateway.Api;

/// <summary>The answer of an API call: a value or an <see cref="ApiError"/>, never an exception for an expected failure.</summary>
public readonly record struct ApiResult<T>
{
    public T? Value { get; }
    public ApiError? Error { get; }

    private ApiResult(T? value, ApiError? error)
    {
        Value = value;
        Error = error;
    }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Ok => Error is null;

    public static implicit operator ApiResult<T>(T value) => new(value, null);
    /// <summary>A value (also of an interface type, which no implicit conversion takes).</summary>
    public static ApiResult<T> Of(T value) => new(value, null);
    public static implicit operator ApiResult<T>(ApiError error) => new(default, error);

    public ApiResult<TOut> Map<TOut>(Func<T, TOut> f) => Ok ? f(Value) : Error;
}

/// <summary>The value of a call that answers nothing but success.</summary>
public sealed record Done
{
    public static readonly Done Instance = new();
}
