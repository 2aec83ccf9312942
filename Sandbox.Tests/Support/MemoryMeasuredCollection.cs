namespace Sandbox.Tests.Support;

/// <summary>Specs that measure this process's memory run alone: other specs' sandboxes and buffers
/// would be counted with theirs.</summary>
[CollectionDefinition(nameof(MemoryMeasuredCollection), DisableParallelization = true)]
public sealed class MemoryMeasuredCollection;
