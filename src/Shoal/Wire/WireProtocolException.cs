namespace Shoal.Wire;

/// <summary>A peer broke the wire protocol; the connection must be closed. The message names the violation.</summary>
public sealed class WireProtocolException(string message) : Exception(message);
