using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Shoal.Tests.Swarm.WebSeeds;

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 (port 0) whose every answer a test scripts: status, headers, body, and whether the
/// connection stays open. It records each request and counts connections, so keep-alive and retries can be checked.
/// </summary>
internal sealed class ScriptedHttpServer : IAsyncDisposable
{
    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, int Connection);

    public sealed record Response(int Status, byte[] Body, IReadOnlyList<(string Name, string Value)> Headers, bool Close = false, bool OmitLength = false)
    {
        public static Response Of(int status, byte[]? body = null, params (string, string)[] headers) => new(status, body ?? [], headers);
    }

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Request, Response?> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentQueue<Request> _requests = new();
    private int _connections;

    /// <param name="handler">Answers a request; null means "never answer" (for timeouts).</param>
    public ScriptedHttpServer(Func<Request, Response?> handler)
    {
        _handler = handler;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    public IReadOnlyList<Request> Requests => [.. _requests];

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Completes when a request arrived that the handler left unanswered.</summary>
    public TaskCompletionSource Unanswered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Serves <paramref name="data"/> at <paramref name="path"/> with range support; anything else is a 404.</summary>
    public static Func<Request, Response?> Files(params (string Path, byte[] Data)[] files) => request =>
    {
        var file = files.FirstOrDefault(f => f.Path == request.Path);
        return file.Data is null ? Response.Of(404) : Ranged(request, file.Data);
    };

    /// <summary>A 206 for the request's 'Range: bytes=a-b' (a 200 of the whole body without one).</summary>
    public static Response Ranged(Request request, byte[] data)
    {
        if (!request.Headers.TryGetValue("range", out var range)) return Response.Of(200, data);
        var bounds = range["bytes=".Length..].Split('-');
        long from = long.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
        long to = Math.Min(long.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture), data.Length - 1);
        return Response.Of(206, data[(int)from..(int)(to + 1)], ("Content-Range", $"bytes {from}-{to}/{data.Length}"));
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                int connection = Interlocked.Increment(ref _connections);
                _ = ServeAsync(client, connection);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using var _ = client;
        var stream = client.GetStream();
        var buffer = new byte[64 * 1024];
        int filled = 0;
        try
        {
            while (true)
            {
                int end;
                while ((end = IndexOfHeaderEnd(buffer.AsSpan(0, filled))) < 0)
                {
                    int n = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                    if (n == 0) return;
                    filled += n;
                }
                var request = ParseRequest(Encoding.ASCII.GetString(buffer, 0, end), connection);
                Array.Copy(buffer, end + 4, buffer, 0, filled - end - 4);
                filled -= end + 4;
                _requests.Enqueue(request);
                var response = _handler(request);
                if (response is null)
                {
                    Unanswered.TrySetResult();
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                await WriteAsync(stream, response!);
                if (response!.Close) return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task WriteAsync(NetworkStream stream, Response response)
    {
        var head = new StringBuilder($"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n");
        foreach (var (name, value) in response.Headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        if (!response.OmitLength) head.Append("Content-Length: ").Append(response.Body.Length).Append("\r\n");
        if (response.Close) head.Append("Connection: close\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        await stream.WriteAsync(response.Body);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK", 206 => "Partial Content", 302 => "Found", 404 => "Not Found", 503 => "Service Unavailable", _ => "Status",
    };

    private static Request ParseRequest(string head, int connection)
    {
        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        return new Request(first[0], first[1], headers, connection);
    }

    private static int IndexOfHeaderEnd(ReadOnlySpan<byte> data) => data.IndexOf("\r\n\r\n"u8);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
