using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Net.Sockets;
using Shoal.Bencoding;
using Shoal.Storage;

namespace Shoal.Cli;

/// <summary>Runs the parsed command and turns every failure into one clear line and a documented exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> InvokeAsync(Command root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // A mistake on the command line: one line naming it (not the whole help text), and the usage exit code.
            if (args.Length == 0)
            {
                await root.Parse(["--help"]).InvokeAsync();
                return ExitCodes.UsageError;
            }
            WriteError($"{string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')))} (see: {CommandPath(parse.CommandResult)} --help)");
            return ExitCodes.UsageError;
        }
        // Ctrl+C or SIGTERM cancels the command's token; give it time to announce "stopped" and save resume data.
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(15) };
        try
        {
            return await parse.InvokeAsync(config);
        }
        catch (Exception ex)
        {
            var (code, message) = Describe(ex);
            WriteError(message);
            if (code == ExitCodes.InternalError && Environment.GetEnvironmentVariable("SHOAL_DEBUG") == "1")
                Console.Error.WriteLine(ex);
            return code;
        }
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult named; result = named.Parent)
            names.Insert(0, named.Command.Name);
        return string.Join(' ', names);
    }

    public static void WriteError(string message)
    {
        var previous = Console.ForegroundColor;
        if (!Console.IsErrorRedirected) Console.ForegroundColor = ConsoleColor.Red;
        Console.Error.WriteLine($"shoal: {message}");
        if (!Console.IsErrorRedirected) Console.ForegroundColor = previous;
    }

    /// <summary>Maps an exception to (exit code, one-line message).</summary>
    public static (int Code, string Message) Describe(Exception ex) => ex switch
    {
        UserErrorException user => (user.ExitCode, user.Message),
        Daemon.Remote.RpcUnreachableException => (ExitCodes.NetworkError, ex.Message),
        Daemon.Remote.RpcRefusedException => (ExitCodes.UsageError, ex.Message),
        Daemon.Remote.RpcFailedException failed => (ExitCodes.UsageError, $"the daemon refused: {failed.Result}"),
        OperationCanceledException => (ExitCodes.Interrupted, "interrupted"),
        BencodeException or FormatException or InvalidDataException => (ExitCodes.InvalidInput, ex.Message),
        FileNotFoundException fnf => (ExitCodes.UsageError, $"file not found: {fnf.FileName ?? fnf.Message}"),
        DirectoryNotFoundException => (ExitCodes.UsageError, ex.Message),
        UnauthorizedAccessException => (ExitCodes.DiskError, ex.Message),
        DiskFullException => (ExitCodes.DiskError, ex.Message),
        IOException io when IsDiskFull(io) => (ExitCodes.DiskError, $"disk full: {io.Message}"),
        IOException => (ExitCodes.DiskError, ex.Message),
        SocketException or HttpRequestException => (ExitCodes.NetworkError, ex.Message),
        _ => (ExitCodes.InternalError, $"internal error: {ex.GetType().Name}: {ex.Message} (set SHOAL_DEBUG=1 for details)"),
    };

    // ENOSPC is 28 on Linux; HResult carries it for IOExceptions raised by the runtime.
    private static bool IsDiskFull(IOException io) => (io.HResult & 0xFFFF) == 28 || io.Message.Contains("No space left", StringComparison.Ordinal);
}
