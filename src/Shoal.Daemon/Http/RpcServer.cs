using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Daemon.Rpc;
using Shoal.Daemon.Web;

namespace Shoal.Daemon.Http;

/// <summary>
/// <c>POST /transmission/rpc</c> on Kestrel (HTTP/1.1): the <see cref="RpcGate"/> checks, a bounded body, then the
/// <see cref="RpcDispatcher"/>. The web interface is served at <c>/</c> (Web/WebInterface.cs); other paths answer 404.
/// </summary>
public sealed class RpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RpcServer(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public Uri Url => new($"http://{(EndPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{EndPoint.Address}]" : EndPoint.Address)}:{EndPoint.Port}{RpcOptions.Path}");

    /// <summary>Binds and starts; a taken port surfaces as <see cref="RpcPortInUseException"/>.</summary>
    public static async Task<RpcServer> StartAsync(RpcOptions options, RpcDispatcher dispatcher, RpcGate gate, ILoggerFactory? loggers,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggers ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 64;
            kestrel.Limits.MaxConcurrentConnections = 1000;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            kestrel.Listen(new IPEndPoint(options.BindAddress, options.Port), listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var endpoint = new Endpoint(dispatcher, gate, options);
        app.Run(endpoint.HandleAsync);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new RpcPortInUseException(options.Port, ex);
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        int port = addresses.Select(a => Uri.TryCreate(a, UriKind.Absolute, out var u) ? u.Port : 0).FirstOrDefault(p => p > 0);
        return new RpcServer(app, new IPEndPoint(options.BindAddress, port));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Endpoint(RpcDispatcher dispatcher, RpcGate gate, RpcOptions options)
    {
        public async Task HandleAsync(HttpContext context)
        {
            var request = context.Request;
            var response = context.Response;
            WebInterface.AddSecurityHeaders(response);
            response.Headers.CacheControl = "no-store";
            string path = request.Path.Value ?? "";
            if (path.TrimEnd('/') != RpcOptions.Path)
            {
                if (await WebInterface.TryServeAsync(context, gate, WebAssets.Embedded).ConfigureAwait(false)) return;
                await Plain(response, StatusCodes.Status404NotFound, "not found").ConfigureAwait(false);
                return;
            }
            switch (gate.Check(request.Headers.Authorization, request.Headers.Host, request.Headers[RpcGate.SessionIdHeader]))
            {
                case GateVerdict.Unauthorized:
                    response.Headers.WWWAuthenticate = "Basic realm=\"Shoal\"";
                    await Plain(response, StatusCodes.Status401Unauthorized, "401: Unauthorized").ConfigureAwait(false);
                    return;
                case GateVerdict.MisdirectedHost:
                    await Plain(response, StatusCodes.Status421MisdirectedRequest,
                        "421: this host name is not allowed (DNS rebinding protection); use an IP address or localhost, or start the daemon with --rpc-host-whitelist NAME")
                        .ConfigureAwait(false);
                    return;
                case GateVerdict.WrongSessionId:
                    response.Headers[RpcGate.SessionIdHeader] = gate.SessionId;
                    await Plain(response, StatusCodes.Status409Conflict,
                        $"409: Conflict. Resend the request with the header {RpcGate.SessionIdHeader}: {gate.SessionId}").ConfigureAwait(false);
                    return;
            }
            if (!HttpMethods.IsPost(request.Method))
            {
                response.Headers.Allow = "POST";
                await Plain(response, StatusCodes.Status405MethodNotAllowed, "405: the RPC takes POST requests").ConfigureAwait(false);
                return;
            }
            byte[] body;
            int length;
            try
            {
                (body, length) = await ReadBodyAsync(request, options.MaxRequestBodyBytes, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await Plain(response, StatusCodes.Status413PayloadTooLarge, $"413: the request is larger than {options.MaxRequestBodyBytes} bytes").ConfigureAwait(false);
                return;
            }
            try
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = "application/json; charset=UTF-8";
                await dispatcher.ExecuteAsync(body.AsMemory(0, length), response.BodyWriter, context.RequestAborted).ConfigureAwait(false);
                await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }

        private static async Task<(byte[], int)> ReadBodyAsync(HttpRequest request, long limit, CancellationToken ct)
        {
            int capacity = (int)Math.Min(limit, request.ContentLength ?? 16 * 1024) + 1;
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 4096));
            int length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, buffer.Length * 2L));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    int n = await request.Body.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                    if (n == 0) return (buffer, length);
                    length += n;
                    if (length > limit) throw new Microsoft.AspNetCore.Http.BadHttpRequestException("request too large", StatusCodes.Status413PayloadTooLarge);
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        private static Task Plain(HttpResponse response, int status, string text)
        {
            response.StatusCode = status;
            response.ContentType = "text/plain; charset=utf-8";
            return response.WriteAsync(text + "\n");
        }
    }
}

/// <summary>The RPC port is taken by another program.</summary>
public sealed class RpcPortInUseException(int port, Exception inner) : IOException($"RPC port {port} is already in use", inner)
{
    public int Port { get; } = port;
}
