using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Shoal.Tests.Trackers;

/// <summary>
/// A deliberately dumb HTTP server on 127.0.0.1 that writes whatever bytes a test hands it — valid answers, garbage,
/// or nothing at all — one request per connection.
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<string> _targets = [];

    public RawHttpServer(Func<string, byte[]?> respond, int port = 0)
    {
        Respond = respond;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptLoopAsync();
    }

    /// <summary>Maps a request target ("/announce?…") to the raw bytes to send back; null means never answer.</summary>
    public Func<string, byte[]?> Respond { get; set; }

    public int Port { get; }

    public Uri Announce => new($"http://127.0.0.1:{Port}/announce");

    public IReadOnlyList<string> Targets
    {
        get { lock (_targets) return [.. _targets]; }
    }

    public static byte[] Answer(byte[] body, int status = 200, string reason = "OK", string headers = "") =>
        [.. Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n{headers}\r\n"), .. body];

    public static byte[] Answer(string body, int status = 200, string reason = "OK") => Answer(Encoding.Latin1.GetBytes(body), status, reason);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new List<byte>();
                var buffer = new byte[4096];
                while (!EndsWithBlankLine(head) && head.Count < 65536)
                {
                    int n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0) return;
                    head.AddRange(buffer.AsSpan(0, n));
                }
                var requestLine = Encoding.Latin1.GetString([.. head]).Split("\r\n")[0];
                var target = requestLine.Split(' ')[1];
                lock (_targets) _targets.Add(target);
                var answer = Respond(target);
                if (answer is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                await stream.WriteAsync(answer, _stop.Token);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private static bool EndsWithBlankLine(List<byte> head) =>
        head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n';

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting.WaitAsync(TimeSpan.FromSeconds(5));
        _listener.Dispose();
    }
}
