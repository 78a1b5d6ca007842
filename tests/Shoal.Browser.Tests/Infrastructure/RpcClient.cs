using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shoal.Browser.Tests.Infrastructure;

/// <summary>A small Transmission RPC client (with the 409 session-id exchange), for test set-up and for checking what the page did.</summary>
public sealed class RpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _url;
    private string _sessionId = "";

    public RpcClient(Uri url, string? username = null, string? password = null)
    {
        _url = url;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        if (username is not null)
        {
            _http.DefaultRequestHeaders.Authorization =
                new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        }
    }

    /// <summary>Calls a method and returns its arguments; a result other than "success" throws.</summary>
    public async Task<JsonElement> CallAsync(string method, object? arguments = null)
    {
        string body = JsonSerializer.Serialize(new { method, arguments = arguments ?? new { } });
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Transmission-Session-Id", _sessionId);
            using var response = await _http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                _sessionId = response.Headers.GetValues("X-Transmission-Session-Id").Single();
                continue;
            }
            response.EnsureSuccessStatusCode();
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = document.RootElement;
            string result = root.GetProperty("result").GetString() ?? "";
            if (result != "success") throw new InvalidOperationException($"{method}: {result}");
            return root.TryGetProperty("arguments", out var args) ? args.Clone() : default;
        }
        throw new InvalidOperationException($"{method}: the daemon kept refusing the session id");
    }

    /// <summary>Adds a .torrent (its bytes) and returns the new torrent's id.</summary>
    public async Task<int> AddTorrentAsync(byte[] metainfo, bool paused, string? downloadDir = null, string[]? labels = null)
    {
        var args = new JsonObject { ["metainfo"] = Convert.ToBase64String(metainfo), ["paused"] = paused };
        if (downloadDir is not null) args["download-dir"] = downloadDir;
        if (labels is not null) args["labels"] = new JsonArray([.. labels.Select(l => JsonValue.Create(l))]);
        var reply = await CallAsync("torrent-add", args);
        return reply.GetProperty("torrent-added").GetProperty("id").GetInt32();
    }

    /// <summary>One torrent's fields, or null when it is gone.</summary>
    public async Task<JsonElement?> GetAsync(int id, params string[] fields)
    {
        var reply = await CallAsync("torrent-get", new { ids = new[] { id }, fields = fields.Append("id").ToArray() });
        var torrents = reply.GetProperty("torrents");
        return torrents.GetArrayLength() == 0 ? null : torrents[0].Clone();
    }

    public async Task<int> CountAsync()
    {
        var reply = await CallAsync("torrent-get", new { fields = new[] { "id" } });
        return reply.GetProperty("torrents").GetArrayLength();
    }

    public void Dispose() => _http.Dispose();
}
