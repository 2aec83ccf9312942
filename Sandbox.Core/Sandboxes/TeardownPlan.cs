namespace Sandbox.Core.Sandboxes;

public sealed record TeardownPlan(AfterTeardown After);
