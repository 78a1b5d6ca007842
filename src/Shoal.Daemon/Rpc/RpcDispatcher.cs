using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Daemon.Rpc.Methods;

namespace Shoal.Daemon.Rpc;

/// <summary>
/// Transmission's RPC (version 17) without the transport: one JSON request in, one JSON response out —
/// <c>{"arguments": {...}, "result": "success" | error text, "tag": N}</c>. Methods live in one file per group under
/// <c>Methods/</c>; each writes its response arguments or throws <see cref="RpcException"/>.
/// </summary>
public sealed class RpcDispatcher
{
    /// <summary>Deepest nesting a request may have (the deepest real one is 3).</summary>
    public const int MaxDepth = 16;

    private readonly ITorrentHost _host;
    private readonly ILogger _log;
    private readonly Dictionary<string, RpcHandler> _methods = new(StringComparer.Ordinal);

    public RpcDispatcher(ITorrentHost host, ILogger? log = null)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _log = log ?? NullLogger.Instance;
        TorrentActionMethods.Register(_methods);
        TorrentGetMethod.Register(_methods);
        TorrentSetMethod.Register(_methods);
        TorrentAddMethod.Register(_methods);
        TorrentPathMethods.Register(_methods);
        SessionMethods.Register(_methods);
        QueueMethods.Register(_methods);
        GroupMethods.Register(_methods);
        SystemMethods.Register(_methods);
    }

    public IReadOnlyCollection<string> Methods => _methods.Keys;

    /// <summary>Runs the request in <paramref name="body"/> and writes the response to <paramref name="output"/>.</summary>
    public async Task ExecuteAsync(ReadOnlyMemory<byte> body, IBufferWriter<byte> output, CancellationToken ct)
    {
        long? tag = null;
        string result;
        var arguments = new ArrayBufferWriter<byte>();
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new RpcException("the request is not a JSON object");
            if (root.TryGetProperty("tag", out var tagElement) && RpcArguments.TryInt(tagElement, out long t)) tag = t;
            if (!root.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String)
                throw new RpcException("no method name");
            string method = methodElement.GetString()!;
            if (!_methods.TryGetValue(method, out var handler)) throw new RpcException("method name not recognized");
            var args = root.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.Object ? new RpcArguments(a) : RpcArguments.Empty;
            await using (var writer = new Utf8JsonWriter(arguments))
            {
                writer.WriteStartObject();
                await handler(new RpcCall(_host, args, writer, ct)).ConfigureAwait(false);
                writer.WriteEndObject();
            }
            result = "success";
        }
        catch (JsonException ex)
        {
            result = $"the request is not valid JSON: {ex.Message}";
            arguments.Clear();
        }
        catch (RpcException ex)
        {
            result = ex.Message;
            arguments.Clear();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _log.LogError(ex, "RPC method failed");
            result = $"internal error: {ex.Message}";
            arguments.Clear();
        }
        await using var response = new Utf8JsonWriter(output);
        response.WriteStartObject();
        response.WritePropertyName("arguments");
        if (arguments.WrittenCount == 0) response.WriteRawValue("{}"u8, skipInputValidation: true);
        else response.WriteRawValue(arguments.WrittenSpan, skipInputValidation: true);
        response.WriteString("result", result);
        if (tag is { } value) response.WriteNumber("tag", value);
        response.WriteEndObject();
    }
}
