using System.Net;
using System.Net.Sockets;
using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class MetadataFetcher
{
    /// <summary>
    /// A peer dialled the engine for this info-hash (its 48-byte handshake header is read): answer it and fetch from it
    /// like from any peer. Completes when that connection ends.
    /// </summary>
    internal async Task AcceptIncomingAsync(Stream stream, IPEndPoint remote, ReservedBits reserved, CancellationToken handshakeTimeout)
    {
        if (remote.Address.IsIPv4MappedToIPv6) remote = new IPEndPoint(remote.Address.MapToIPv4(), remote.Port);
        FetchPeer? peer = null;
        lock (_sync)
        {
            if (_started && !_stopped && _peers.Count < Options.MaxConnections && !_book.IsBanned(remote) && IsAcceptable(remote))
            {
                peer = new FetchPeer(new PeerBook.Entry(remote, PeerSource.Incoming), Time.GetTimestamp(), incoming: true);
                _peers.Add(peer);
            }
        }
        if (peer is null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        Task run;
        try
        {
            var theirId = await HandshakeExchange.RespondAsync(stream, InfoHash, _peerId, handshakeTimeout).ConfigureAwait(false);
            run = RunPeerAsync(peer, (stream, new Handshake(InfoHash, theirId, reserved)));
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException)
        {
            lock (_sync) _peers.Remove(peer);
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        lock (_sync) Track(run);
        await run.ConfigureAwait(false);
    }

    private async Task RunPeerAsync(FetchPeer peer, (Stream Stream, Handshake Theirs)? accepted)
    {
        Stream? stream = null;
        Task? sending = null;
        try
        {
            if (accepted is { } incoming)
            {
                stream = Greet(peer, incoming.Stream, incoming.Theirs);
                if (stream is null) await incoming.Stream.DisposeAsync().ConfigureAwait(false);
            }
            else stream = await ConnectAsync(peer).ConfigureAwait(false);
            if (stream is null) return;
            sending = SendLoopAsync(peer, stream);
            await ReceiveLoopAsync(peer, stream).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException)
        {
            lock (_sync)
            {
                // A peer that breaks the protocol while we fetch is not trusted again for this torrent's metadata.
                if (ex is WireProtocolException && peer.IsConnected) Ban(peer, ex.Message);
                else peer.Close(ex.Message);
            }
        }
        finally
        {
            lock (_sync) peer.Close(peer.CloseReason ?? "connection closed");
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            if (sending is not null) await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_sync)
            {
                _peers.Remove(peer);
                _assembler?.Forget(peer);
                if (!peer.IsConnected) _book.MarkFailed(peer.Entry);
                else if (!peer.Entry.Banned) _book.MarkDisconnected(peer.Entry, retrySoon: false);
                if (peer.ListenEntry is { Banned: false } listen) _book.MarkDisconnected(listen, retrySoon: false);
                PumpAll();
            }
            ConnectMore();
        }
    }

    /// <summary>TCP connect and the BitTorrent handshake, within the engine's timeouts; null if this is ourselves or useless.</summary>
    private async Task<Stream?> ConnectAsync(FetchPeer peer)
    {
        var socket = new Socket(peer.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(peer.Closing, _stopping.Token);
            timeout.CancelAfter(Settings.ConnectTimeout);
            await socket.ConnectAsync(peer.EndPoint, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            timeout.CancelAfter(Settings.HandshakeTimeout);
            var handshake = await HandshakeExchange.InitiateAsync(stream, InfoHash, _peerId, timeout.Token).ConfigureAwait(false);
            var greeted = Greet(peer, stream, handshake);
            if (greeted is null) await stream.DisposeAsync().ConfigureAwait(false);
            return greeted;
        }
        catch
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            else socket.Dispose();
            throw;
        }
    }

    /// <summary>After both handshakes: drops ourselves and peers without the extension protocol, else sends our greeting.</summary>
    private Stream? Greet(FetchPeer peer, Stream stream, Handshake handshake)
    {
        lock (_sync)
        {
            if (handshake.PeerId.Span.SequenceEqual(_peerId.Span))
            {
                peer.Entry.IsSelf = true;
                peer.Close("connected to ourselves");
            }
            else if (!handshake.Reserved.SupportsExtensionProtocol)
            {
                peer.IsConnected = true; // it answered: retry it only on the slow schedule
                peer.Close("peer does not speak the extension protocol");
            }
            else
            {
                peer.IsConnected = true;
                if (!peer.IsIncoming) _book.MarkConnected(peer.Entry);
            }
        }
        if (peer.IsClosed) return null;
        if (handshake.Reserved.SupportsFastExtension)
        {
            // BEP 6: with the fast extension on both sides, availability comes first; we have nothing.
            var haveNone = new byte[MessageWriter.SimpleLength];
            MessageWriter.WriteSimple(haveNone, MessageId.HaveNone);
            peer.Outbox.Writer.TryWrite(haveNone);
        }
        var ours = new ExtensionHandshake { ListenPort = _listenPort > 0 ? _listenPort : null, ClientName = Settings.ClientName };
        ours.Extensions[MetadataMessage.ExtensionName] = LocalMetadataId;
        peer.SendExtended(0, ours.Encode());
        return stream;
    }
}
