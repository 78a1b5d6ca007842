using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Daemon.Http;

namespace Shoal.Daemon.Remote;

/// <summary>
/// A client of the Transmission RPC (Shoal's daemon or Transmission's): POSTs <c>{"method", "arguments"}</c>, does the
/// 409 session-id exchange and Basic auth, and returns the response's arguments or throws with its one-line reason.
/// Credentials come from the URL (<c>http://user:password@host:9091/transmission/rpc</c>) or are given.
/// </summary>
public sealed class TransmissionRpcClient : IDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:9091/transmission/rpc";

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly AuthenticationHeaderValue? _auth;
    private string? _sessionId;

    public TransmissionRpcClient(Uri url, string? username = null, string? password = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme is not ("http" or "https")) throw new ArgumentException($"'{url}' is not an http:// URL", nameof(url));
        if (username is null && url.UserInfo.Length > 0)
        {
            var parts = url.UserInfo.Split(':', 2);
            username = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
        }
        _url = new UriBuilder(url) { UserName = "", Password = "" }.Uri;
        if (username is not null)
            _auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), UseProxy = false })
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>The URL without credentials.</summary>
    public Uri Url => _url;

    /// <summary>Calls <paramref name="method"/>; returns its response arguments (a JSON object) when the result is "success".</summary>
    public async Task<JsonElement> CallAsync(string method, JsonObject? arguments = null, CancellationToken ct = default)
    {
        var request = new JsonObject { ["method"] = method };
        if (arguments is not null) request["arguments"] = arguments.DeepClone();
        string body = request.ToJsonString();
        for (int attempt = 0; ; attempt++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (_auth is not null) message.Headers.Authorization = _auth;
            if (_sessionId is not null) message.Headers.Add(RpcGate.SessionIdHeader, _sessionId);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            {
                throw new RpcUnreachableException(_url, ex);
            }
            catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
            {
                throw new RpcUnreachableException(_url, ex);
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Conflict && attempt == 0 &&
                    response.Headers.TryGetValues(RpcGate.SessionIdHeader, out var ids))
                {
                    _sessionId = ids.First();
                    continue;
                }
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                    throw new RpcRefusedException(_auth is null
                        ? $"{_url} needs a user name and password (give them in the URL: http://USER:PASSWORD@HOST:PORT/transmission/rpc)"
                        : $"{_url} refused the user name or password");
                if (!response.IsSuccessStatusCode)
                {
                    string text = (await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim();
                    throw new RpcRefusedException($"{_url} answered {(int)response.StatusCode}: {FirstLine(text)}");
                }
                await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                JsonDocument document;
                try
                {
                    document = await JsonDocument.ParseAsync(stream, cancellationToken: ct).ConfigureAwait(false);
                }
                catch (JsonException)
                {
                    throw new RpcRefusedException($"{_url} did not answer with JSON: is it a Transmission RPC endpoint?");
                }
                using (document)
                {
                    var root = document.RootElement;
                    string result = root.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "no result";
                    if (result != "success") throw new RpcFailedException(method, result);
                    return root.TryGetProperty("arguments", out var args) ? args.Clone() : JsonDocument.Parse("{}").RootElement.Clone();
                }
            }
        }
    }

    private static string FirstLine(string text)
    {
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? text : text[..newline];
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Nothing answers at the URL (no daemon running there, or the host is unreachable).</summary>
public sealed class RpcUnreachableException(Uri url, Exception inner)
    : Exception($"no daemon answers at {url} ({inner.InnerException?.Message ?? inner.Message}); start one with: shoal daemon", inner);

/// <summary>The endpoint refused the request (credentials, host name, not an RPC endpoint).</summary>
public sealed class RpcRefusedException(string message) : Exception(message);

/// <summary>The method ran and failed: <see cref="Exception.Message"/> is the daemon's result text.</summary>
public sealed class RpcFailedException(string method, string result) : Exception($"{method}: {result}")
{
    public string Result { get; } = result;
}
