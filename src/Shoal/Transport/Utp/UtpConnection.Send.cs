namespace Shoal.Transport.Utp;

internal sealed partial class UtpConnection
{
    /// <summary>
    /// Takes up to <paramref name="data"/>.Length bytes into the send buffer (topping up the last, partly filled
    /// packet first: small writes coalesce into full packets) and sends what the windows allow. Returns how many bytes
    /// were taken: 0 when the buffer is full (wait on <see cref="WriteSignal"/>).
    /// </summary>
    public int Write(ReadOnlySpan<byte> data, long now)
    {
        if (State is not (UtpState.Connected or UtpState.SynSent) || _finRequested) throw new IOException(WriteClosedReason());
        int room = _options.SendBufferBytes - _unsent.Bytes;
        int taken = 0;
        // (The packet size may have grown since the last packet was cut: it fills only as far as its buffer holds.)
        if (room > 0 && !data.IsEmpty && _unsent.TryPeekLast(out var last, out int end) && end < Math.Min(UtpHeader.Size + MaxPayload, last.Length))
        {
            int n = Math.Min(Math.Min(Math.Min(UtpHeader.Size + MaxPayload, last.Length) - end, data.Length), room);
            data[..n].CopyTo(last.AsSpan(end));
            _unsent.ExtendLast(n);
            taken = n;
        }
        while (taken < data.Length && _unsent.Bytes < _options.SendBufferBytes)
        {
            int n = Math.Min(Math.Min(MaxPayload, data.Length - taken), _options.SendBufferBytes - _unsent.Bytes);
            var buffer = RentPacket(UtpHeader.Size + MaxPayload);
            data.Slice(taken, n).CopyTo(buffer.AsSpan(UtpHeader.Size));
            _unsent.Enqueue(buffer, UtpHeader.Size, n);
            taken += n;
        }
        if (State == UtpState.Connected) TrySend(now);
        return taken;
    }

    /// <summary>Sends a partly filled last packet now instead of waiting for more bytes or for ACKs (Nagle).</summary>
    public void Flush(long now)
    {
        if (_unsent.IsEmpty) return;
        _flushTail = true;
        TrySend(now);
    }

    private string WriteClosedReason() => Error ?? (_finRequested || State is UtpState.FinSent or UtpState.Closed ? "the stream was closed for writing" : "not connected");

    /// <summary>
    /// Sends what the congestion window (LEDBAT) and the peer's receive window allow: packets a timeout marked for
    /// resending first, then new ones; then the FIN once everything is out. A partly filled last packet waits while an
    /// undersized packet is unacknowledged (Nagle), unless flushed.
    /// </summary>
    private void TrySend(long now)
    {
        if (State is not (UtpState.Connected or UtpState.FinSent)) return;
        if (_needResend > 0 && !ResendMarked(now)) return;
        int unsentBefore = _unsent.Bytes;
        while (!_unsent.IsEmpty && !_finSent)
        {
            if (SequenceNumber.Distance(_ackedSeqNr, _seqNr) >= PacketRing.Capacity - 1) break;
            int payload = _unsent.FrontLength;
            long window = Math.Min(_congestion.Window, _peerWindow);
            // A window smaller than one packet still lets one packet out when nothing is in flight (BEP 29): that also
            // probes a peer whose receive window was full.
            if (_bytesInFlight + payload > window && _bytesInFlight > 0)
            {
                _windowLimited |= _congestion.Window <= _peerWindow;
                break;
            }
            bool partial = payload < MaxPayload && _unsent.Segments == 1;
            if (partial && !_flushTail && !_finRequested && _bytesInFlight > 0 && SequenceNumber.Before(_ackedSeqNr, _nagleSeqNr)) break;

            var buffer = _unsent.TakeFront(out _, out _);
            ushort seq = _seqNr++;
            int length = UtpHeader.Size + payload;
            ref var entry = ref _sent.Insert(seq, buffer, length);
            entry.Transmissions = 1;
            entry.SentAt = now;
            if (_bytesInFlight == 0)
            {
                _timeoutAt = _clock.After(now, _rtt.TimeoutMs(_numTimeouts));
                ArmTailProbe(now);
            }
            _bytesInFlight += payload;
            if (partial) _nagleSeqNr = seq;
            WriteHeader(buffer, UtpPacketType.Data, seq, now);
            if (!partial && _options.PathMtuDiscovery && ProbeDue(now)) EmitProbe(seq, buffer.AsSpan(0, length));
            else _manager.Emit(buffer.AsSpan(0, length), Remote);
            Statistics.PacketsSent++;
            AckCarried();
        }
        if (_unsent.IsEmpty) _flushTail = false;
        if (_unsent.Bytes < unsentBefore || _unsent.Bytes < _options.SendBufferBytes) WakeUp(Wake.Write);
        if (_finRequested && !_finSent && _unsent.IsEmpty) SendFin(now);
    }

    /// <summary>Resends packets a timeout marked, oldest first, as the window allows; false while some are still waiting.</summary>
    private bool ResendMarked(long now)
    {
        for (ushort seq = (ushort)(_ackedSeqNr + 1); _needResend > 0 && seq != _seqNr; seq++)
        {
            if (!_sent.Contains(seq) || !_sent[seq].NeedsResend) continue;
            if (!Resend(seq, now, fast: false)) return false;
        }
        return _needResend == 0;
    }

    /// <summary>
    /// Sends a held packet again with a fresh header (our current ACK, window and timestamps). A fast resend goes out
    /// whatever the window; a timeout's resend waits for room unless nothing else is in flight.
    /// </summary>
    private bool Resend(ushort seq, long now, bool fast)
    {
        ref var entry = ref _sent[seq];
        if (entry.Buffer is null) return true;
        int payload = entry.Length - UtpHeader.Size;
        int room = (int)Math.Min(_congestion.Window, _peerWindow) - _bytesInFlight;
        if (!fast && payload > room && _bytesInFlight > 0) return false;
        if (entry.NeedsResend)
        {
            entry.NeedsResend = false;
            _needResend--;
            _bytesInFlight += payload;
        }
        if (_mtu.IsProbe(seq))
        {
            _mtu.ProbeLost(); // resent unpadded: its data is not lost with the probe's size
            // ICMP "fragmentation needed" may have told the kernel the path's MTU meanwhile: never probe above it, where
            // the kernel would fragment the probe itself and it would pass.
            if (RouteCeiling() is int ceiling) _mtu.TooBig(ceiling + 1);
        }
        entry.Transmissions++;
        entry.SentAt = now;
        var type = (UtpPacketType)(entry.Buffer[0] >> 4);
        WriteHeader(entry.Buffer, type, seq, now);
        _manager.Emit(entry.Buffer.AsSpan(0, entry.Length), Remote);
        Statistics.PacketsSent++;
        Statistics.PacketsResent++;
        if (type != UtpPacketType.Syn) AckCarried();
        return true;
    }

    private void WriteHeader(Span<byte> packet, UtpPacketType type, ushort seq, long now)
    {
        int window = ReceiveWindow;
        _lastAdvertisedWindow = window;
        new UtpHeader(type, 0, type == UtpPacketType.Syn ? ReceiveId : SendId, _clock.HeaderMicros(now), _replyMicro,
            (uint)window, seq, type == UtpPacketType.Syn ? (ushort)0 : _ackNr).WriteTo(packet);
    }

    private void SendSyn(ushort initialSeqNr, long now)
    {
        InitialiseSendSequence(initialSeqNr);
        State = UtpState.SynSent;
        var buffer = RentPacket(UtpHeader.Size);
        ushort seq = _seqNr++;
        ref var entry = ref _sent.Insert(seq, buffer, UtpHeader.Size);
        entry.Transmissions = 1;
        entry.SentAt = now;
        WriteHeader(buffer, UtpPacketType.Syn, seq, now);
        _timeoutAt = _clock.After(now, RttEstimator.InitialTimeoutMs);
        _manager.Emit(buffer.AsSpan(0, UtpHeader.Size), Remote);
        Statistics.PacketsSent++;
    }

    /// <summary>The FIN takes the next sequence number and is resent until acknowledged, like data.</summary>
    private void SendFin(long now)
    {
        var buffer = RentPacket(UtpHeader.Size);
        _finSeqNr = _seqNr++;
        ref var entry = ref _sent.Insert(_finSeqNr, buffer, UtpHeader.Size);
        entry.Transmissions = 1;
        entry.SentAt = now;
        _finSent = true;
        State = UtpState.FinSent;
        if (_bytesInFlight == 0) _timeoutAt = _clock.After(now, _rtt.TimeoutMs(_numTimeouts));
        WriteHeader(buffer, UtpPacketType.Fin, _finSeqNr, now);
        _manager.Emit(buffer.AsSpan(0, UtpHeader.Size), Remote);
        Statistics.PacketsSent++;
        AckCarried();
    }

    /// <summary>
    /// Sends an ACK-only (STATE) packet now, with a selective ACK of what arrived beyond a gap. Its sequence number is
    /// the next one we will use; STATE packets do not consume one.
    /// </summary>
    public void SendAck(long now)
    {
        AckPending = false;
        if (State is UtpState.SynSent or UtpState.Failed) return;
        var slot = _manager.ReserveEmit();
        int sackBytes = 0;
        if (_outOfOrder.Count > 0)
        {
            // Cover every packet held beyond the gap, in whole 32-bit words, within one byte of length.
            int span = SequenceNumber.Distance((ushort)(_ackNr + 2), LastHeldOutOfOrder()) + 1;
            sackBytes = Math.Min((span + 31) / 32 * 4, 252);
        }
        // After our FIN, a STATE carries the FIN's number: the peer accepts nothing beyond it (libtorrent's FIN does
        // not consume a number, so its STATEs keep repeating it).
        ushort seq = _finSent ? _finSeqNr : _seqNr;
        new UtpHeader(UtpPacketType.State, sackBytes > 0 ? UtpHeader.SelectiveAckExtension : (byte)0, SendId, _clock.HeaderMicros(now),
            _replyMicro, (uint)ReceiveWindow, seq, _ackNr).WriteTo(slot);
        _lastAdvertisedWindow = ReceiveWindow;
        int length = UtpHeader.Size;
        if (sackBytes > 0)
        {
            slot[length++] = 0;
            slot[length++] = (byte)sackBytes;
            var mask = slot.Slice(length, sackBytes);
            mask.Clear();
            ushort bitSeq = (ushort)(_ackNr + 2);
            for (int bit = 0; bit < sackBytes * 8; bit++, bitSeq++)
                if (_outOfOrder.Contains(bitSeq)) mask[bit >> 3] |= (byte)(1 << (bit & 7));
            length += sackBytes;
        }
        _manager.CommitEmit(length, Remote);
        Statistics.AcksSent++;
    }

    private ushort LastHeldOutOfOrder() => _outOfOrderHighest;

    /// <summary>
    /// A packet we sent carried our ACK number, so no separate ACK is owed — unless packets are held beyond a gap:
    /// only a STATE carries the selective ACK that tells the peer which.
    /// </summary>
    private void AckCarried()
    {
        if (_outOfOrder.Count == 0) AckPending = false;
    }

    /// <summary>Tells the peer this connection is gone (sent once; the peer's next packet would get another).</summary>
    private void SendReset(long now)
    {
        var slot = _manager.ReserveEmit();
        new UtpHeader(UtpPacketType.Reset, 0, SendId, _clock.HeaderMicros(now), _replyMicro, 0, _seqNr, _ackNr).WriteTo(slot);
        _manager.CommitEmit(UtpHeader.Size, Remote);
    }
}
