// A .NET agent's code execution in a few lines: the sandbox server's tools as Microsoft.Extensions.AI functions.
//
//   ./run.sh                                   # the server, in another shell
//   dotnet run --project samples/AgentSample   # SANDBOX_URL (default http://127.0.0.1:8080), SANDBOX_API_KEY if the server has keys
//
// With a real model you hand the same functions to any IChatClient:
//   IChatClient chat = new ChatClientBuilder(yourClient).UseFunctionInvocation().Build();
//   var answer = await chat.GetResponseAsync("What is the 30th Fibonacci number? Compute it.", new ChatOptions { Tools = [.. tools] });
// This sample has no model to talk to, so it plays the model's part: it calls the tools the way a
// model's tool calls would, and prints what the model would read.
using Microsoft.Extensions.AI;
using Sandbox.Client;
using Sandbox.Client.AI;

var url = new Uri(Environment.GetEnvironmentVariable("SANDBOX_URL") ?? "http://127.0.0.1:8080");
using var client = new SandboxClient(url, Environment.GetEnvironmentVariable("SANDBOX_API_KEY"));
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5));

RemoteSandbox sandbox;
try
{
    sandbox = await client.CreateSandboxAsync(new CreateSandboxOptions { IdleTimeout = 120, Labels = new Dictionary<string, string> { ["app"] = "agent-sample" } }, cancel.Token);
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"No sandbox server at {url} ({e.Message}). Start one with ./run.sh, or set SANDBOX_URL.");
    return 1;
}
Console.WriteLine($"sandbox {sandbox.Id}");

IReadOnlyList<AIFunction> tools = [.. sandbox.AsAIFunctions(), client.RunCodeFunction()];
var options = new ChatOptions { Tools = [.. tools] };   // what a chat client would be given
Console.WriteLine("tools: " + string.Join(", ", options.Tools.Select(t => t.Name)));

try
{
    // the calls a model makes for "compute fib(30) with a script, save it, and show the result"
    await Call("write_file", new() { ["path"] = "/work/fib.py", ["content"] = "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\nprint(fib(30))\n" });
    await Call("exec", new() { ["language"] = "bash", ["code"] = "python3 /work/fib.py | tee /work/answer.txt" });
    await Call("list_files", new() { ["path"] = "/work" });
    await Call("read_file", new() { ["path"] = "/work/answer.txt" });
    await Call("run_code", new() { ["language"] = "python", ["code"] = "import platform; print(platform.system(), platform.release())" });
    return 0;
}
finally
{
    await sandbox.DeleteAsync(CancellationToken.None);
}

async Task Call(string name, Dictionary<string, object?> args)
{
    var tool = tools.Single(t => t.Name == name);
    var result = await tool.InvokeAsync(new AIFunctionArguments(args), cancel.Token);
    Console.WriteLine($"\n> {name}({string.Join(", ", args.Select(a => $"{a.Key}: {Short(a.Value)}"))})\n{result}");
}

static string Short(object? v) => v?.ToString() is { } s ? (s.Length > 40 ? s[..40].ReplaceLineEndings(" ") + "…" : s.ReplaceLineEndings(" ")) : "null";
