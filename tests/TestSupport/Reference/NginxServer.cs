using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Tests.Support.Reference;

/// <summary>
/// Debian's nginx serving a folder on 127.0.0.1, from a config written here (one process: no daemon, no master, so no
/// privilege switch): a real web seed with range requests and keep-alive. Its access log records, per request, the
/// connection number and the request's number on that connection, so keep-alive can be checked. Stopped on dispose.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly ReferenceProcess _process;

    private NginxServer(ReferenceProcess process, int port, string workDirectory)
    {
        _process = process;
        Port = port;
        AccessLogPath = Path.Combine(workDirectory, "access.log");
    }

    public int Port { get; }

    /// <summary>One line per request: connection, request number on it, status, request line, Range header.</summary>
    public string AccessLogPath { get; }

    public Uri Url(string path) => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{path}");

    /// <summary>nginx's full path, or null when it is not installed (it lives in /usr/sbin, not always on PATH).</summary>
    public static string? Find() => ReferenceExecutables.Find("nginx") ?? ReferenceExecutables.Find("/usr/sbin/nginx");

    /// <summary>Starts nginx serving <paramref name="root"/>; its config, logs and pid live in <paramref name="workDirectory"/>.</summary>
    /// <param name="limitRate">nginx's limit_rate per connection (e.g. "256k"), to make the web seed slower than a peer; null = none.</param>
    public static async Task<NginxServer> StartAsync(string nginx, string root, string workDirectory, string? limitRate = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Next(); // nginx cannot listen on port 0 and say which port it got
            var config = Path.Combine(workDirectory, "nginx.conf");
            Directory.CreateDirectory(Path.Combine(workDirectory, "temp"));
            File.WriteAllText(config, $$"""
                daemon off;
                master_process off;
                worker_processes 1;
                pid {{workDirectory}}/nginx.pid;
                error_log {{workDirectory}}/error.log warn;
                events { worker_connections 64; }
                http {
                    default_type application/octet-stream;
                    log_format keepalive '$connection $connection_requests $status "$request" "$http_range"';
                    access_log {{workDirectory}}/access.log keepalive;
                    client_body_temp_path {{workDirectory}}/temp/body;
                    proxy_temp_path {{workDirectory}}/temp/proxy;
                    fastcgi_temp_path {{workDirectory}}/temp/fastcgi;
                    uwsgi_temp_path {{workDirectory}}/temp/uwsgi;
                    scgi_temp_path {{workDirectory}}/temp/scgi;
                    keepalive_requests 10000;
                    keepalive_timeout 60s;
                    server {
                        listen 127.0.0.1:{{port}};
                        root {{root}};
                        location / { {{(limitRate is null ? "" : $"limit_rate {limitRate};")}} }
                    }
                }
                """);
            var process = ReferenceProcess.Start("nginx", nginx, ["-e", Path.Combine(workDirectory, "startup.log"), "-p", workDirectory, "-c", config]);
            if (await ListeningAsync(port, process)) return new NginxServer(process, port, workDirectory);
            var why = process.Describe() + ReadOrEmpty(Path.Combine(workDirectory, "error.log"));
            await process.DisposeAsync();
            if (attempt == 3) throw new InvalidOperationException($"nginx did not start: {why}");
        }
    }

    /// <summary>The access log's lines: (connection, request number on that connection, status, request line, range).</summary>
    public IReadOnlyList<(long Connection, long Request, int Status, string Line, string Range)> AccessLog() =>
        File.ReadAllLines(AccessLogPath).Select(line =>
        {
            var quoted = line.Split('"');
            var head = quoted[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (long.Parse(head[0], CultureInfo.InvariantCulture), long.Parse(head[1], CultureInfo.InvariantCulture),
                int.Parse(head[2], CultureInfo.InvariantCulture), quoted[1], quoted[3]);
        }).ToList();

    /// <summary>
    /// The access log once it holds at least <paramref name="lines"/> lines (or after 10 s): nginx logs a request
    /// after its response went out, so the last line can lag behind the client having its bytes.
    /// </summary>
    public async Task<IReadOnlyList<(long Connection, long Request, int Status, string Line, string Range)>> AccessLogAsync(int lines)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var log = AccessLog();
            if (log.Count >= lines || DateTime.UtcNow > deadline) return log;
            await Task.Delay(20);
        }
    }

    private static async Task<bool> ListeningAsync(int port, ReferenceProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        return false;
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
