using Xunit.Abstractions;

namespace Sandbox.Tests.Support;

/// <summary>Seeded randomness for fuzz tests: the seed is printed, and named in any failure, so a
/// failing run can be repeated exactly with SANDBOX_FUZZ_SEED.</summary>
public static class FuzzSeed
{
    public static async Task RunAsync(ITestOutputHelper output, Func<Random, Task> body)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SANDBOX_FUZZ_SEED"), out var s) ? s : Random.Shared.Next();
        output.WriteLine($"fuzz seed {seed} (repeat with SANDBOX_FUZZ_SEED={seed})");
        try
        {
            await body(new Random(seed));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"fuzz seed {seed} (repeat with SANDBOX_FUZZ_SEED={seed}): {e.Message}\n{e}");
        }
    }
}
