using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Shoal.Transport;
using Shoal.Transport.Utp;

// Moves bytes over uTP or TCP and reports the rate, one JSON object per line on stdout:
//   serve --transport utp|tcp --bind IP[:PORT]                     accepts one connection, reads to its end
//   send  --transport utp|tcp --to IP:PORT [--bytes N] [--seconds S] writes N bytes (or for S seconds), then closes
// Events: ready {port}; progress {bytes, t} every 250 ms while bytes move (t: seconds since the first byte);
// done {bytes, seconds, mbps, cpu_seconds} (seconds: first byte to last; cpu_seconds: this process's CPU time);
// error {message}. Exit code 0 when done, 2 on errors.
return await TransferProbe.RunAsync(args);

internal static class TransferProbe
{
    private static readonly Lock OutputSync = new();

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var mode = args.Length > 0 ? args[0] : throw new ArgumentException("usage: serve|send --transport utp|tcp ...");
            var transport = Option(args, "--transport") ?? "utp";
            if (transport is not ("utp" or "tcp")) throw new ArgumentException("--transport is utp or tcp");
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            if (mode == "serve")
            {
                var bind = IPEndPoint.Parse(Option(args, "--bind") ?? throw new ArgumentException("--bind is required"));
                await ServeAsync(transport, bind, stop.Token);
            }
            else if (mode == "send")
            {
                var to = IPEndPoint.Parse(Option(args, "--to") ?? throw new ArgumentException("--to is required"));
                long bytes = long.Parse(Option(args, "--bytes") ?? long.MaxValue.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                double seconds = double.Parse(Option(args, "--seconds") ?? "1e9", CultureInfo.InvariantCulture);
                await SendAsync(transport, to, bytes, TimeSpan.FromSeconds(seconds), stop.Token);
            }
            else throw new ArgumentException($"unknown mode {mode}");
            return 0;
        }
        catch (Exception ex)
        {
            Emit("error", new { message = ex.ToString(), utp = UtpStatistics() });
            return 2;
        }
    }

    private static async Task ServeAsync(string transport, IPEndPoint bind, CancellationToken cancellationToken)
    {
        if (transport == "tcp")
        {
            using var listener = new TcpListener(bind);
            listener.Start();
            Emit("ready", new { port = ((IPEndPoint)listener.LocalEndpoint).Port });
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            await DrainAsync(client.GetStream(), cancellationToken);
            return;
        }
        await using var port = UdpDatagramPort.Bind(bind);
        await using var utp = new UtpSocketManager(port);
        Emit("ready", new { port = port.LocalEndPoint.Port });
        await using var stream = await utp.AcceptAsync(cancellationToken);
        s_utp = stream;
        if (Environment.GetEnvironmentVariable("SHOAL_PROBE_TRACE") == "1")
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    await Task.Delay(1000, cancellationToken);
                    Emit("trace", new { utp = UtpStatistics(), unclaimed = port.Unclaimed });
                }
            }, cancellationToken);
        await DrainAsync(stream, cancellationToken);
    }

    private static UtpStream? s_utp;

    private static object? UtpStatistics() => s_utp?.Statistics is { } s
        ? new { sent = s.PacketsSent, resent = s.PacketsResent, fast_retransmits = s.FastRetransmits, timeouts = s.Timeouts, received = s.PacketsReceived,
            duplicates = s.DuplicatePacketsReceived, dropped_window_full = s.PacketsDroppedWindowFull, acks = s.AcksSent, cwnd = s_utp.CongestionWindow }
        : null;

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[256 * 1024];
        long total = 0;
        var clock = new Stopwatch();
        var nextProgress = TimeSpan.Zero;
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (!clock.IsRunning) clock.Start();
            total += n;
            if (clock.Elapsed >= nextProgress)
            {
                Emit("progress", new { bytes = total, t = clock.Elapsed.TotalSeconds });
                nextProgress = clock.Elapsed + TimeSpan.FromMilliseconds(250);
            }
        }
        Done(total, clock.Elapsed, UtpStatistics());
    }

    private static async Task SendAsync(string transport, IPEndPoint to, long bytes, TimeSpan duration, CancellationToken cancellationToken)
    {
        Stream stream;
        TcpClient? tcp = null;
        UdpDatagramPort? port = null;
        UtpSocketManager? utp = null;
        if (transport == "tcp")
        {
            tcp = new TcpClient(to.AddressFamily);
            await tcp.ConnectAsync(to, cancellationToken);
            stream = tcp.GetStream();
        }
        else
        {
            port = UdpDatagramPort.Bind(new IPEndPoint(to.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
            utp = new UtpSocketManager(port);
            stream = await utp.ConnectAsync(to, cancellationToken);
            s_utp = (UtpStream)stream;
            if (Environment.GetEnvironmentVariable("SHOAL_PROBE_TRACE") == "1") _ = TraceCongestionAsync(s_utp, cancellationToken);
        }
        var chunk = new byte[64 * 1024];
        new Random(1).NextBytes(chunk);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (sent < bytes && clock.Elapsed < duration)
        {
            int n = (int)Math.Min(chunk.Length, bytes - sent);
            await stream.WriteAsync(chunk.AsMemory(0, n), cancellationToken);
            sent += n;
        }
        object? statistics = null;
        if (stream is UtpStream utpStream)
        {
            // Close gracefully and wait until the peer has everything: its FIN comes back once it read to the end.
            utpStream.ShutdownWrite();
            var sink = new byte[1024];
            while (await utpStream.ReadAsync(sink, cancellationToken) > 0) { }
            statistics = UtpStatistics();
        }
        else tcp!.Client.Shutdown(SocketShutdown.Send);
        Done(sent, clock.Elapsed, statistics);
        await stream.DisposeAsync();
        tcp?.Dispose();
        if (utp is not null) await utp.DisposeAsync();
        if (port is not null) await port.DisposeAsync();
    }

    /// <summary>LEDBAT's state every 100 ms on the sending side, where the congestion window is (SHOAL_PROBE_TRACE=1).</summary>
    private static async Task TraceCongestionAsync(UtpStream stream, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(100, cancellationToken);
            var c = stream.Congestion;
            Emit("cc", new { t = Math.Round(clock.Elapsed.TotalSeconds, 2), cwnd = c.Window, in_flight = c.BytesInFlight, peer_window = c.PeerWindow,
                delay_ms = c.QueueingDelayMicros / 1000.0, rtt_ms = c.RttMicros / 1000.0, base_rtt_ms = c.BaseRttMicros / 1000.0, slow_start = c.SlowStart, resent = stream.Statistics.PacketsResent, timeouts = stream.Statistics.Timeouts, probes = stream.Statistics.TailProbes });
        }
    }

    private static void Done(long bytes, TimeSpan elapsed, object? utp = null)
    {
        var process = Process.GetCurrentProcess();
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-6);
        Emit("done", new { bytes, seconds, mbps = bytes * 8 / seconds / 1e6, cpu_seconds = process.TotalProcessorTime.TotalSeconds, utp });
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static void Emit(string name, object fields)
    {
        var line = JsonSerializer.Serialize(fields);
        lock (OutputSync)
        {
            Console.Out.WriteLine("{\"event\":\"" + name + "\"," + line[1..]);
            Console.Out.Flush();
        }
    }
}
