using System.Buffers;
using System.Net;

namespace Shoal.Transport.Utp;

/// <summary>Where a connection is in its life.</summary>
internal enum UtpState
{
    SynSent,
    Connected,
    /// <summary>Our FIN is out (nothing more will be written); reading continues until the peer's FIN.</summary>
    FinSent,
    /// <summary>Both directions finished (or the stream was disposed and our FIN acknowledged); lingering to re-ACK FINs.</summary>
    Closed,
    /// <summary>Reset by the peer, timed out, or aborted: <see cref="UtpConnection.Error"/> says which.</summary>
    Failed,
}

/// <summary>
/// One uTP connection's state machine (BEP 29, with libtorrent's refinements): connection ids, sequence and ack
/// numbers, selective ACKs, retransmission and fast retransmit, the receive window, Nagle-like coalescing of small
/// writes, and LEDBAT. It does no I/O and takes no locks itself: the manager and the stream call it under
/// <see cref="Gate"/> and it emits packets through the manager, which batches them and sends after the lock is released.
/// The partial files hold the receive path, the send path, timers and closing.
/// </summary>
internal sealed partial class UtpConnection
{
    private const int DuplicateAckLimit = 3;

    private readonly UtpSocketManager _manager;
    private readonly UtpOptions _options;
    private readonly UtpClock _clock;
    private readonly PathMtuSearch _mtu;
    private bool _routeMtuChecked;

    // Send side.
    private readonly PacketRing _sent = new();
    private readonly SegmentQueue _unsent = new();
    private readonly LedbatController _congestion;
    private readonly RttEstimator _rtt = new();
    private readonly DelayHistory _rttHistory = new(); // the lowest round trip per minute: LEDBAT++'s base for the gain
    private long _lastRttHistoryStep;
    private ushort _seqNr;            // the next sequence number to send
    private ushort _ackedSeqNr;       // every packet up to this one is acknowledged
    private ushort _fastResendSeqNr;  // packets before this were fast-resent already
    private ushort _lossSeqNr;        // loss of packets up to this one cuts the window no more (once per RTT)
    private ushort _nagleSeqNr;       // the last undersized packet sent
    private int _duplicateAcks;
    private int _bytesInFlight;
    private int _needResend;          // packets marked for resending by a timeout
    private uint _peerWindow;
    private bool _flushTail;          // send a partial last packet now (flush or close)
    private bool _windowLimited;      // since the last ACK, data waited for the congestion window
    private long _latestDeliveredSentAt; // send time of the newest packet (sent once) the peer acknowledged
    private bool _finRequested;
    private bool _finSent;
    private ushort _finSeqNr;

    // Receive side.
    private readonly PacketRing _outOfOrder = new();
    private readonly SegmentQueue _received = new();
    private readonly DelayHistory _ourDelays = new();   // our packets' one-way delay (as the peer measured it)
    private readonly DelayHistory _theirDelays = new(); // the peer's packets' one-way delay (as we measure it)
    private readonly long[] _recentDelays = [long.MaxValue, long.MaxValue, long.MaxValue];
    private int _recentDelayIndex;
    private long _lastQueueingDelay = -1;
    private int _outOfOrderBytes;
    private ushort _outOfOrderHighest;
    private ushort _ackNr;            // the last sequence number received in order
    private uint _replyMicro;         // timestamp difference to echo in every header
    private long _lastHistoryStep;
    private bool _inEof;
    private ushort _inEofSeqNr;
    private bool _readerClosed;
    private int _lastAdvertisedWindow;

    // Life.
    private int _numTimeouts;
    private long _timeoutAt;
    private long _probeAt = long.MaxValue; // a tail loss probe is due (see ProbeTail)
    private long _lingerUntil;
    private bool _confirmed;          // heard from the peer beyond a SYN: its address is not spoofed
    private int _wake;

    private UtpConnection(UtpSocketManager manager, IPEndPoint remote, ushort receiveId, ushort sendId, bool outgoing)
    {
        _manager = manager;
        _options = manager.Options;
        _clock = manager.Clock;
        _mtu = new PathMtuSearch(_options.PacketSize, _options.PathMtuDiscovery ? MaxCeiling(_options, remote) : _options.PacketSize);
        _congestion = new LedbatController(_options.PacketSize, _options.TargetDelay, int.Max(_options.ReceiveBufferBytes, 4 << 20));
        Remote = remote;
        ReceiveId = receiveId;
        SendId = sendId;
        IsOutgoing = outgoing;
        _peerWindow = (uint)_options.PacketSize;
        _lastHistoryStep = _clock.Now;
        _lastRttHistoryStep = _lastHistoryStep;
    }

    /// <summary>Held by whoever calls into the connection.</summary>
    public Lock Gate { get; } = new();

    public IPEndPoint Remote { get; }

    /// <summary>The id the peer puts in the packets it sends us.</summary>
    public ushort ReceiveId { get; }

    /// <summary>The id we put in ours.</summary>
    public ushort SendId { get; }

    public bool IsOutgoing { get; }

    public UtpState State { get; private set; }

    /// <summary>Why the connection failed (null while it has not).</summary>
    public string? Error { get; private set; }

    /// <summary>The peer's side of the stream has ended and everything before its FIN was read.</summary>
    public bool AtEndOfStream => _inEof && _ackNr == _inEofSeqNr && _received.IsEmpty;

    /// <summary>A deferred ACK is owed (sent at the end of the receive batch unless a data packet carries it first).</summary>
    public bool AckPending { get; private set; }

    /// <summary>Set while the manager has this connection in its list of deferred ACKs.</summary>
    public bool AckQueued { get; set; }

    public AsyncSignal ReadSignal { get; } = new();

    public AsyncSignal WriteSignal { get; } = new();

    public AsyncSignal ConnectSignal { get; } = new();

    public UtpStatistics Statistics { get; } = new();

    internal int CongestionWindow => _congestion.Window;

    internal int BytesInFlight => _bytesInFlight;

    internal uint PeerWindow => _peerWindow;

    internal long RttMicros => _rtt.RttMicros;

    internal bool InSlowStart => _congestion.SlowStart;

    /// <summary>The size of the data packets sent now, header included (path-MTU discovery's floor).</summary>
    internal int PacketSize => _mtu.Floor;

    /// <summary>The largest datagram path-MTU discovery still thinks might pass.</summary>
    internal int PacketSizeCeiling => _mtu.Ceiling;

    /// <summary>Payload bytes of a full data packet now.</summary>
    private int MaxPayload => _mtu.Floor - UtpHeader.Size;

    internal UtpCongestionSnapshot CongestionSnapshot =>
        new(_congestion.Window, _bytesInFlight, (int)_peerWindow, _lastQueueingDelay, _rtt.RttMicros, BaseRttMicros, _congestion.SlowStart);

    private long BaseRttMicros => _rttHistory.Initialized ? _rttHistory.Base : 0;

    /// <summary>Starts an outgoing connection: the SYN carries our receive id; everything after it uses id + 1.</summary>
    public static UtpConnection Connect(UtpSocketManager manager, IPEndPoint remote, ushort receiveId, ushort initialSeqNr, long now)
    {
        var connection = new UtpConnection(manager, remote, receiveId, (ushort)(receiveId + 1), outgoing: true);
        connection.SendSyn(initialSeqNr, now);
        return connection;
    }

    /// <summary>Answers a SYN: our send id is the SYN's, our receive id one more; the ACK goes out with the batch.</summary>
    public static UtpConnection Accept(UtpSocketManager manager, IPEndPoint remote, in UtpHeader syn, ushort initialSeqNr, long now)
    {
        var connection = new UtpConnection(manager, remote, (ushort)(syn.ConnectionId + 1), syn.ConnectionId, outgoing: false);
        connection.State = UtpState.Connected;
        connection._ackNr = syn.SequenceNumber;
        connection.InitialiseSendSequence(initialSeqNr);
        connection._peerWindow = syn.WindowSize;
        connection.NoteTimestamp(syn, now);
        connection._timeoutAt = connection._clock.After(now, RttEstimator.InitialTimeoutMs);
        connection.AckPending = true;
        return connection;
    }

    private void InitialiseSendSequence(ushort seqNr)
    {
        _seqNr = seqNr;
        _ackedSeqNr = (ushort)(seqNr - 1);
        _lossSeqNr = _ackedSeqNr;
        _fastResendSeqNr = seqNr;
        _nagleSeqNr = _ackedSeqNr;
    }

    /// <summary>Bytes we can still take in: what we advertise.</summary>
    private int ReceiveWindow => Math.Max(0, _options.ReceiveBufferBytes - _received.Bytes - _outOfOrderBytes);

    /// <summary>Wake-ups owed to the stream's waiters; collected under the lock, delivered by <see cref="DeliverWakeups"/> after it.</summary>
    [Flags]
    private enum Wake
    {
        Read = 1,
        Write = 2,
        Connect = 4,
    }

    private void WakeUp(Wake what) => _wake |= (int)what;

    /// <summary>Sets the signals woken while the lock was held (call after releasing it).</summary>
    public void DeliverWakeups()
    {
        var wake = (Wake)Interlocked.Exchange(ref _wake, 0);
        if ((wake & Wake.Read) != 0) ReadSignal.Set();
        if ((wake & Wake.Write) != 0) WriteSignal.Set();
        if ((wake & Wake.Connect) != 0) ConnectSignal.Set();
    }

    private void Fail(string error)
    {
        if (State == UtpState.Failed) return;
        State = UtpState.Failed;
        Error = error;
        _lingerUntil = _clock.Now;
        AckPending = false;
        ReleaseSendBuffers();
        WakeUp(Wake.Read | Wake.Write | Wake.Connect);
    }

    private void ReleaseSendBuffers()
    {
        _sent.Clear();
        _unsent.Clear();
        _bytesInFlight = 0;
        _needResend = 0;
    }

    /// <summary>Returns every pooled buffer (the stream is disposed and the manager has let go of the connection).</summary>
    public void ReleaseAll()
    {
        ReleaseSendBuffers();
        _outOfOrder.Clear();
        _received.Clear();
        _outOfOrderBytes = 0;
    }

    private static byte[] RentPacket(int size) => PacketBuffers.Rent(size);

    private static void ReturnPacket(byte[] buffer) => PacketBuffers.Return(buffer);
}

/// <summary>
/// LEDBAT's state at one moment: the congestion window, the bytes in flight, the peer's receive window (bytes), the
/// last queueing delay measured (µs, -1 before the first), the smoothed round trip and the lowest lately (µs).
/// </summary>
public readonly record struct UtpCongestionSnapshot(int Window, int BytesInFlight, int PeerWindow, long QueueingDelayMicros, long RttMicros,
    long BaseRttMicros, bool SlowStart);

/// <summary>Counters of one connection (for diagnostics, tests and benchmarks).</summary>
public sealed class UtpStatistics
{
    public long PacketsSent { get; internal set; }
    public long PacketsResent { get; internal set; }
    public long FastRetransmits { get; internal set; }
    public long Timeouts { get; internal set; }
    /// <summary>Tail loss probes: the newest packet resent after two silent round trips.</summary>
    public long TailProbes { get; internal set; }
    public long PacketsReceived { get; internal set; }
    public long DuplicatePacketsReceived { get; internal set; }
    public long PacketsDroppedWindowFull { get; internal set; }
    public long AcksSent { get; internal set; }
}
