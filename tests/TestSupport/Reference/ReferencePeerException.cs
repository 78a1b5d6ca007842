namespace Shoal.Tests.Support.Reference;

/// <summary>A reference program failed (error reported, or exited early); the message carries its recent output.</summary>
public sealed class ReferencePeerException(string message) : Exception(message);
