namespace Shoal.Cli;

/// <summary>A mistake the user can fix; shown as one line, never with a stack trace.</summary>
public sealed class UserErrorException(string message, int exitCode = ExitCodes.UsageError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
