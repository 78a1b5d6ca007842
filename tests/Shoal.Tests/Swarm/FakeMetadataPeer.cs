using System.Buffers;
using System.Net;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// A peer on an <see cref="InMemoryNetwork"/> that serves metadata the way a test scripts it: it handshakes, advertises
/// ut_metadata with a chosen metadata_size, and answers each request with whatever <c>respond</c> returns (null: stay
/// silent). Counts connections and requests so tests can see who was asked and who was dropped.
/// </summary>
internal sealed class FakeMetadataPeer : IAsyncDisposable
{
    private const byte OurMetadataId = 3;

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _serving = [];
    private readonly InfoHash _infoHash;
    private readonly int _advertisedSize;
    private readonly Func<int, IReadOnlyList<byte[]>> _respond;
    private readonly Task _release;
    private int _connections, _requests, _closedByRemote;

    private FakeMetadataPeer(InMemoryNetwork network, InfoHash infoHash, int advertisedSize, Func<int, IReadOnlyList<byte[]>> respond,
        Task? release = null)
    {
        _release = release ?? Task.CompletedTask;
        _infoHash = infoHash;
        _advertisedSize = advertisedSize;
        _respond = respond;
        EndPoint = network.Listen(stream =>
        {
            Interlocked.Increment(ref _connections);
            var task = ServeAsync(stream);
            lock (_serving) _serving.Add(task);
            return task;
        });
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Answers other messages (id, payload) with the bytes returned (null: none); set before anyone connects.</summary>
    public Func<MessageId, byte[], byte[]?>? AnswerOther { get; set; }

    /// <summary>Sends 'have all' after the handshake (the fast extension), posing as a seeder.</summary>
    public bool ClaimsEverything { get; set; }

    public int Connections => Volatile.Read(ref _connections);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Connections the other side closed.</summary>
    public int ClosedByRemote => Volatile.Read(ref _closedByRemote);

    /// <summary>Serves <paramref name="metadata"/> honestly.</summary>
    public static FakeMetadataPeer Honest(InMemoryNetwork network, InfoHash infoHash, byte[] metadata) =>
        new(network, infoHash, metadata.Length, piece => [Data(piece, metadata)]);

    /// <summary>Serves honestly, but holds every answer until <paramref name="release"/> completes.</summary>
    public static FakeMetadataPeer HonestHeld(InMemoryNetwork network, InfoHash infoHash, byte[] metadata, Task release) =>
        new(network, infoHash, metadata.Length, piece => [Data(piece, metadata)], release);

    /// <summary>Advertises <paramref name="advertisedSize"/> and answers each request with <paramref name="respond"/>'s payload.</summary>
    public static FakeMetadataPeer Scripted(InMemoryNetwork network, InfoHash infoHash, int advertisedSize, Func<int, byte[]?> respond) =>
        new(network, infoHash, advertisedSize, piece => respond(piece) is { } reply ? [reply] : []);

    /// <summary>Answers each request with several messages, in order.</summary>
    public static FakeMetadataPeer ScriptedMany(InMemoryNetwork network, InfoHash infoHash, int advertisedSize, Func<int, IReadOnlyList<byte[]>> respond) =>
        new(network, infoHash, advertisedSize, respond);

    /// <summary>The honest data message for a piece of <paramref name="metadata"/>.</summary>
    public static byte[] Data(int piece, byte[] metadata)
    {
        int start = piece * MetadataMessage.PieceSize;
        return MetadataMessage.EncodeData(piece, metadata.Length, metadata.AsSpan(start, MetadataMessage.PieceLength(piece, metadata.Length)));
    }

    private async Task ServeAsync(Stream stream)
    {
        await using var owned = stream;
        var ct = _stop.Token;
        try
        {
            var handshake = new byte[Handshake.Length];
            await stream.ReadExactlyAsync(handshake, ct);
            new Handshake(_infoHash, PeerId.Generate(), ReservedBits.Shoal).WriteTo(handshake);
            await stream.WriteAsync(handshake, ct);
            var ours = new ExtensionHandshake { MetadataSize = _advertisedSize, ClientName = "fake" };
            ours.Extensions[MetadataMessage.ExtensionName] = OurMetadataId;
            await SendExtendedAsync(stream, 0, ours.Encode(), ct);
            if (ClaimsEverything) await stream.WriteAsync(new byte[] { 0, 0, 0, 1, (byte)MessageId.HaveAll }, ct);

            byte theirId = 0;
            byte[] pending = [];
            var chunk = new byte[64 * 1024];
            while (true)
            {
                int n = await stream.ReadAsync(chunk, ct);
                if (n == 0)
                {
                    Interlocked.Increment(ref _closedByRemote);
                    return;
                }
                pending = [.. pending, .. chunk.AsSpan(0, n)];
                var sequence = new ReadOnlySequence<byte>(pending);
                while (MessageReader.TryRead(ref sequence, 1 << 20, out var message))
                {
                    if (message.Id != MessageId.Extended)
                    {
                        if (AnswerOther?.Invoke(message.Id, message.Payload.ToArray()) is { } answer) await stream.WriteAsync(answer, ct);
                        continue;
                    }
                    if (message.ExtendedId == 0)
                    {
                        theirId = ExtensionHandshake.Parse(message.Payload.ToArray()).Extensions.GetValueOrDefault(MetadataMessage.ExtensionName);
                        continue;
                    }
                    if (message.ExtendedId != OurMetadataId) continue;
                    if (!MetadataMessage.TryParse(message.Payload.ToArray(), out var request, out _) || request.Type != MetadataMessageType.Request) continue;
                    Interlocked.Increment(ref _requests);
                    if (theirId == 0) continue;
                    await _release.WaitAsync(ct);
                    foreach (var reply in _respond(request.Piece)) await SendExtendedAsync(stream, theirId, reply, ct);
                }
                pending = sequence.ToArray();
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or EndOfStreamException or WireProtocolException or InvalidOperationException)
        {
            if (e is IOException or EndOfStreamException or InvalidOperationException) Interlocked.Increment(ref _closedByRemote);
        }
    }

    private static async Task SendExtendedAsync(Stream stream, byte id, byte[] payload, CancellationToken ct)
    {
        var message = new byte[6 + payload.Length];
        MessageWriter.WriteExtended(message, id, payload);
        await stream.WriteAsync(message, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task[] serving;
        lock (_serving) serving = [.. _serving];
        await Task.WhenAll(serving).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
