using Sandbox.Benchmark;
using Sandbox.Benchmark.Scenarios;

var (options, parseError) = BenchmarkOptions.Parse(args);
if (options is null)
{
    if (parseError is not null) Console.Error.WriteLine("error: " + parseError + "\n");
    (parseError is null ? Console.Out : Console.Error).WriteLine(BenchmarkOptions.Usage);
    return parseError is null ? 0 : 2;
}

// Without a live server every operation would only run into its timeout: say so at once instead.
if (await ServerUnreachableAsync(options.BaseUrl) is { } unreachable)
{
    Console.Error.WriteLine($"error: no server answers GET {options.BaseUrl}status ({unreachable}); start one with ./run.sh first");
    return 1;
}

var startedAt = DateTimeOffset.Now;
var (server, serverProblem) = ProcFs.FindServer(options.ServerPid, options.BaseUrl);
var machine = await MachineInfo.CollectAsync(server, serverProblem);
var context = new BenchmarkContext(options, server, serverProblem);
foreach (var line in machine.Lines()) Console.WriteLine(line);
Console.WriteLine($"run:      {options.BaseUrl}, concurrency {string.Join(",", options.ConcurrencyLevels)}, " +
                  $"{options.Iterations} operations per level (at least the level), {options.ExecsPerSandbox} execs per sandbox, " +
                  $"{options.Warmup} untimed warm-up, timeout {options.OperationTimeout.TotalSeconds:0} s per operation");
Console.WriteLine();

var measurements = new List<MeasurementResult>();
MemoryResult? memory = null;
CpuResult? cpu = null;
DensityResult? density = null;

// Each group is isolated: a bug or a dead server in one must not lose the others' results.
async Task RunGroupAsync(string group, Func<Task> run)
{
    if (!options.Selected.Contains(group)) return;
    context.Log($"--- {group}");
    try
    {
        await run();
    }
    catch (Exception e)
    {
        context.Note($"{group}: aborted by an unexpected error: {e.GetType().Name}: {e.Message}");
    }
}

// first: costs measured one at a time on a node nothing else has loaded yet
await RunGroupAsync(MeasurementGroups.Cpu, async () => cpu = await CpuScenario.RunAsync(context));
await RunGroupAsync(MeasurementGroups.Lifecycle, async () => measurements.AddRange(await LifecycleScenario.RunAsync(context)));
await RunGroupAsync(MeasurementGroups.Execs, async () => measurements.AddRange(await ExecThroughputScenario.RunAsync(context)));
await RunGroupAsync(MeasurementGroups.HttpExecute, async () => measurements.AddRange(await HttpExecuteScenario.RunAsync(context)));
await RunGroupAsync(MeasurementGroups.Checkpoint, async () => measurements.AddRange(await CheckpointScenario.RunAsync(context)));
await RunGroupAsync(MeasurementGroups.Api, async () => measurements.AddRange(await ApiScenario.RunAsync(context)));
// last, so the server's heap is already warm and the figure is the sandboxes' cost, not start-up's
await RunGroupAsync(MeasurementGroups.Memory, async () => memory = await MemoryScenario.RunAsync(context));
await RunGroupAsync(MeasurementGroups.Density, async () => density = await DensityScenario.RunAsync(context));
await RunGroupAsync(MeasurementGroups.Paused, async () => measurements.AddRange(await PausedScenario.RunAsync(context)));

var report = new BenchmarkReport
{
    StartedAt = startedAt,
    FinishedAt = DateTimeOffset.Now,
    Options = OptionsSnapshot.Of(options),
    Machine = machine,
    Measurements = measurements,
    Memory = memory,
    Cpu = cpu,
    Density = density,
    Notes = context.Notes,
    PossiblyLeftBehind = context.PossiblyLeftBehind,
};
Console.Write(report.ToTable());
try
{
    await File.WriteAllTextAsync(options.OutputPath, report.ToJson());
    Console.WriteLine($"\nresults written to {Path.GetFullPath(options.OutputPath)}");
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: cannot write {options.OutputPath}: {e.Message}");
    return 1;
}
return 0;

static async Task<string?> ServerUnreachableAsync(Uri baseUrl)
{
    using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
    try
    {
        using var response = await http.GetAsync("status");
        return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
    }
    catch (Exception e)
    {
        return e.Message;
    }
}
