using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Trackers;

/// <summary>
/// Debian's opentracker on 127.0.0.1 (HTTP and UDP on one free port). It is whitelist-only and chroots, so it gets a
/// world-readable folder holding the whitelist of the test's info-hashes (../shared/INTEROP.md).
/// </summary>
internal sealed class OpenTrackerProcess : IDisposable
{
    private readonly TempDirectory _root = new("opentracker");
    private readonly Process _process;

    public OpenTrackerProcess(params InfoHash[] whitelist)
    {
        var program = ReferencePrograms.Require("opentracker");
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("opentracker runs on Linux");
        File.SetUnixFileMode(_root.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.WriteAllLines(_root.Combine("whitelist.txt"), whitelist.Select(h => h.ToHex()));
        Port = FreePort.Next();
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-i", "127.0.0.1", "-p", $"{Port}", "-P", $"{Port}", "-d", _root.Path, "-u", "nobody", "-w", "/whitelist.txt" })
            psi.ArgumentList.Add(arg);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start opentracker");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    public int Port { get; }

    public Uri Http => new($"http://127.0.0.1:{Port}/announce");

    public Uri Udp => new($"udp://127.0.0.1:{Port}/announce");

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"opentracker exited with {_process.ExitCode}");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
            _root.Dispose();
        }
    }
}
