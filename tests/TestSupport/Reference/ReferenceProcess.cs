using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Shoal.Tests.Support.Reference;

/// <summary>
/// One running reference program: output captured line by line (and kept in a bounded <see cref="OutputLog"/>),
/// stopped on dispose with SIGTERM, then SIGKILL of the whole process tree if it does not exit in time.
/// A graceful stop matters for Transmission, whose write cache would otherwise be lost.
/// </summary>
public sealed class ReferenceProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigHup = 1;
    private const int Esrch = 3;
    private readonly Process _process;
    private Task _exited = Task.CompletedTask;

    private ReferenceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id { get; private set; }

    public OutputLog Log { get; } = new();

    /// <summary>Completes when the process has exited and its output is drained.</summary>
    public Task Exited => _exited;

    public bool HasExited => _exited.IsCompleted;

    public int? ExitCode { get; private set; }

    public TimeSpan GracefulStopTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Starts <paramref name="fileName"/>; <paramref name="onStdoutLine"/> sees every stdout line
    /// (on a thread-pool thread) before it is logged.</summary>
    public static ReferenceProcess Start(string name, string fileName, IEnumerable<string> arguments,
        Action<string>? onStdoutLine = null, string? workingDirectory = null, bool keepStdinOpen = false)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = keepStdinOpen,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        var process = new Process { StartInfo = psi };
        var running = new ReferenceProcess(name, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            onStdoutLine?.Invoke(e.Data);
            running.Log.Add("out", e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) running.Log.Add("err", e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"could not start {fileName}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        running.Id = process.Id;
        running.CommandLine = $"{fileName} {string.Join(' ', psi.ArgumentList)}";
        running._exited = running.WatchExitAsync();
        return running;
    }

    public string CommandLine { get; private set; } = "";

    private async Task WatchExitAsync()
    {
        await _process.WaitForExitAsync();
        ExitCode = _process.ExitCode;
    }

    /// <summary>What to append to a failure message: the command, exit status and recent output.</summary>
    public string Describe() =>
        $"{Name} (pid {Id}, {(HasExited ? $"exited with {ExitCode}" : "running")}): {CommandLine}\n{Log}";

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Sends SIGHUP (opentracker reloads its whitelist on it).</summary>
    public void SendHangup() => Signal(SigHup);

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            Signal(SigTerm);
            try { await _exited.WaitAsync(GracefulStopTimeout); }
            catch (TimeoutException) { }
        }
        if (!HasExited)
        {
            try { _process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // exited meanwhile
            try { await _exited.WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (TimeoutException) { } // nothing more can be done; do not hang the caller
        }
        _process.Dispose();
    }

    private void Signal(int signal)
    {
        if (HasExited) return;
        // ESRCH: it exited and was reaped before the exit watcher noticed — nothing left to signal.
        if (kill(Id, signal) != 0 && !HasExited && Marshal.GetLastPInvokeError() != Esrch)
            throw new InvalidOperationException($"kill({Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    // DllImport rather than LibraryImport: the generated stub would need AllowUnsafeBlocks in every project linking this file.
#pragma warning disable SYSLIB1054
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
