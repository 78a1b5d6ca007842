using System.Diagnostics;
using System.Text;

namespace Shoal.EndToEnd.Tests;

/// <summary>
/// A long-running program for a test: output captured line by line, bounded waits for a line or for exit, and the
/// whole process tree killed on dispose. (Minimal on purpose; shared reference drivers live in tests/TestSupport.)
/// </summary>
internal sealed class RunningProgram : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _newLine = new(0);
    private readonly string _name;

    private RunningProgram(string name, Process process)
    {
        _name = name;
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static RunningProgram Start(string name, string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        bool redirectInput = false, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) psi.Environment[key] = value;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var program = new RunningProgram(name, process);
        process.OutputDataReceived += (_, e) => program.Add(e.Data, "");
        process.ErrorDataReceived += (_, e) => program.Add(e.Data, "[err] ");
        process.Exited += (_, _) => program._newLine.Release();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return program;
    }

    private void Add(string? line, string prefix)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Add(prefix + line);
            if (_lines.Count > 2000) _lines.RemoveRange(0, 1000);
        }
        _newLine.Release();
    }

    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

    /// <summary>Waits for a stdout/stderr line matching <paramref name="match"/>; fails with the recent output on timeout or exit.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        int seen = 0;
        while (true)
        {
            var lines = Lines;
            for (int i = Math.Min(seen, lines.Count); i < lines.Count; i++)
                if (match(lines[i])) return lines[i];
            seen = lines.Count;
            if (_process.HasExited) throw new InvalidOperationException($"{_name} exited ({_process.ExitCode}) before {what}\n{Describe()}");
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"{_name}: no {what} within {timeout}\n{Describe()}");
            await _newLine.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_name} did not exit within {timeout}\n{Describe()}");
        }
        return _process.ExitCode;
    }

    public void Signal(int signal)
    {
        if (!_process.HasExited) _ = Kill(_process.Id, signal);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public string Describe()
    {
        var text = new StringBuilder($"--- {_name} (pid {_process.Id}) last output:\n");
        foreach (var line in Lines.TakeLast(40)) text.Append("  ").AppendLine(line);
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (InvalidOperationException) { }
        catch (OperationCanceledException) { }
        _process.Dispose();
    }
}
