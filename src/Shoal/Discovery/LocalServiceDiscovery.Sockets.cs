using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;

namespace Shoal.Discovery;

public sealed partial class LocalServiceDiscovery
{
    /// <summary>One receiving socket per family (joined to the group on every chosen interface), one sending socket per interface.</summary>
    private void OpenSockets()
    {
        var used = new List<LsdInterface>();
        if (Options.UseIPv4) OpenFamily(AddressFamily.InterNetwork, LsdMessage.IPv4Group, used);
        if (Options.UseIPv6 && Socket.OSSupportsIPv6)
        {
            try
            {
                OpenFamily(AddressFamily.InterNetworkV6, LsdMessage.IPv6Group, used);
            }
            catch (SocketException)
            {
                // A host without working IPv6 multicast still gets IPv4 LSD.
            }
        }
        Interfaces = used;
    }

    private void OpenFamily(AddressFamily family, IPEndPoint group, List<LsdInterface> used)
    {
        var interfaces = LsdInterfaces.Select(Options.InterfaceAddress, family);
        if (interfaces.Count == 0) return;
        bool v6 = family == AddressFamily.InterNetworkV6;
        var level = v6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP;
        var receiver = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        _receivers.Add((receiver, group));
        receiver.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        if (v6) receiver.DualMode = false;
        receiver.SetSocketOption(level, SocketOptionName.PacketInformation, true);
        receiver.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, LsdMessage.GroupPort));
        foreach (var nic in interfaces)
        {
            try
            {
                if (v6) receiver.SetSocketOption(level, SocketOptionName.AddMembership, new IPv6MulticastOption(group.Address, nic.Index));
                else receiver.SetSocketOption(level, SocketOptionName.AddMembership, new MulticastOption(group.Address, nic.Index));
                var sender = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                _senders.Add((sender, group));
                if (v6) sender.DualMode = false;
                // IPv6 picks the interface by index (a link-local source needs no scope juggling); IPv4 sends from the interface's address.
                sender.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : nic.Address, 0));
                if (v6) sender.SetSocketOption(level, SocketOptionName.MulticastInterface, nic.Index);
                else sender.SetSocketOption(level, SocketOptionName.MulticastInterface, nic.Address.GetAddressBytes());
                sender.SetSocketOption(level, SocketOptionName.MulticastTimeToLive, Options.MulticastTtl);
                // Loopback lets two clients on one host find each other; our own copies are dropped by the cookie.
                sender.SetSocketOption(level, SocketOptionName.MulticastLoopback, true);
                used.Add(nic);
            }
            catch (SocketException)
            {
                // An interface that went away or refuses multicast is skipped; the others still work.
            }
        }
    }

    private void CloseSockets()
    {
        foreach (var (socket, _) in _senders) socket.Dispose();
        foreach (var (socket, _) in _receivers) socket.Dispose();
    }

    /// <summary>Sends each torrent's announce when due, several info-hashes to a datagram, on every interface.</summary>
    private async Task AnnounceLoopAsync()
    {
        var ct = _stopping.Token;
        var every = Options.AnnounceInterval > Options.MinAnnounceInterval ? Options.AnnounceInterval : Options.MinAnnounceInterval;
        while (!ct.IsCancellationRequested)
        {
            var due = new List<InfoHash>();
            Task wake;
            TimeSpan sleep = TimeSpan.FromMinutes(1);
            lock (_sync)
            {
                if (_wake.Task.IsCompleted) _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
                wake = _wake.Task;
                long now = Time.GetTimestamp();
                foreach (var registration in _torrents.Values)
                {
                    if (registration.NextAnnounce <= now)
                    {
                        due.Add(registration.InfoHash);
                        registration.NextAnnounce = now + Ticks(every);
                        _lastAnnounced[registration.InfoHash] = now;
                    }
                    var until = TimeSpan.FromSeconds((double)(registration.NextAnnounce - now) / Time.TimestampFrequency);
                    if (until < sleep) sleep = until;
                }
            }
            if (due.Count > 0) Send(due);
            try
            {
                await Task.WhenAny(Task.Delay(sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep, Time, ct), wake).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Send(IReadOnlyList<InfoHash> infoHashes)
    {
        foreach (var (socket, group) in _senders)
        {
            // The destination is always one of the two LSD groups: never a unicast address.
            foreach (var packet in LsdMessage.Encode(group, ListenPort, infoHashes, Cookie))
            {
                try { socket.SendTo(packet, group); }
                catch (SocketException) { /* interface down: try again next time */ }
                catch (ObjectDisposedException) { return; }
            }
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, IPEndPoint group)
    {
        var ct = _stopping.Token;
        var buffer = new byte[LsdMessage.MaxReceivedSize + 1];
        EndPoint any = new IPEndPoint(group.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult result;
            try
            {
                result = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            // Only what was sent to the group is an announce; a unicast datagram to port 6771 is ignored.
            if (!result.PacketInformation.Address.Equals(group.Address)) continue;
            if (result.ReceivedBytes > LsdMessage.MaxReceivedSize) continue;
            OnDatagram(buffer.AsSpan(0, result.ReceivedBytes), (IPEndPoint)result.RemoteEndPoint);
        }
    }
}
