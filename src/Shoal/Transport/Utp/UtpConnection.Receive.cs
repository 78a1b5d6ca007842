namespace Shoal.Transport.Utp;

internal sealed partial class UtpConnection
{
    private static readonly long OneMinuteMicros = 60_000_000;

    /// <summary>
    /// Handles one packet the manager routed here (its id and sender already match). Invalid or stale packets are
    /// ignored, as libtorrent does, so a third party cannot break a connection by injecting packets.
    /// </summary>
    public void OnPacket(in UtpPacket packet, long now)
    {
        var header = packet.Header;
        Statistics.PacketsReceived++;
        if (State is UtpState.Failed) return;
        if (State is UtpState.Closed)
        {
            // Lingering: the peer did not get our ACK of its FIN.
            if (header.Type is UtpPacketType.Fin or UtpPacketType.Data) AckPending = true;
            return;
        }
        if (header.Type == UtpPacketType.Syn)
        {
            // A retransmitted SYN: our ACK of the first one was lost.
            if (!IsOutgoing && header.ConnectionId == SendId && header.SequenceNumber == _ackNr) AckPending = true;
            return;
        }

        // The ACK must be for something we sent, and not far behind what is acknowledged already.
        ushort lastSent = (ushort)(_seqNr - 1);
        if (SequenceNumber.Before(lastSent, header.AckNumber)
            || SequenceNumber.Before(header.AckNumber, (ushort)(_ackedSeqNr - DuplicateAckLimit))) return;
        // Nothing after the peer's FIN (a STATE or FIN carrying the FIN's number is fine).
        if (_inEof && SequenceNumber.Before(_inEofSeqNr, header.SequenceNumber)
            && !(header.SequenceNumber == _inEofSeqNr && header.Type is UtpPacketType.State or UtpPacketType.Fin)) return;
        // Further ahead than the reorder buffer reaches: damaged or hostile. (Packets behind are resends of what we
        // have; they must be acknowledged again, since our ACK of them was lost.)
        if (State != UtpState.SynSent && header.Type is UtpPacketType.Data or UtpPacketType.Fin
            && !SequenceNumber.BeforeOrEqual(header.SequenceNumber, _ackNr)
            && SequenceNumber.Distance(_ackNr, header.SequenceNumber) >= PacketRing.Capacity) return;

        if (header.Type == UtpPacketType.Reset)
        {
            Fail("connection reset by peer");
            return;
        }

        long nowMicros = _clock.MicrosOf(now);
        bool step = nowMicros - _clock.MicrosOf(_lastHistoryStep) > OneMinuteMicros;
        if (step) _lastHistoryStep = now;
        NoteTimestamp(header, now, step);
        long delay = -1;
        uint sample = header.TimestampDifferenceMicros == int.MaxValue ? 0 : header.TimestampDifferenceMicros;
        if (sample != 0)
        {
            _recentDelays[_recentDelayIndex] = _ourDelays.AddSample(sample, step);
            _recentDelayIndex = (_recentDelayIndex + 1) % _recentDelays.Length;
            delay = Math.Min(_recentDelays[0], Math.Min(_recentDelays[1], _recentDelays[2]));
        }
        _peerWindow = header.WindowSize;
        int inFlightBefore = _bytesInFlight;

        // Only an ACK-only packet repeating the last ACK counts as a duplicate: a stream of data from the peer repeats
        // its ACK number without saying anything about loss.
        if (header.Type == UtpPacketType.State && header.AckNumber == _ackedSeqNr && _sent.Count > 0) _duplicateAcks++;

        int ackedBytes = 0;
        long minRtt = long.MaxValue;
        if (SequenceNumber.Before(_ackedSeqNr, header.AckNumber))
        {
            for (ushort seq = (ushort)(_ackedSeqNr + 1); seq != (ushort)(header.AckNumber + 1); seq++)
            {
                if (_fastResendSeqNr == seq) _fastResendSeqNr++;
                ackedBytes += Acknowledge(seq, now, ref minRtt);
            }
            AdvanceAckedSeqNr();
            if (_sent.Count == 0) _duplicateAcks = 0;
        }

        if (State == UtpState.SynSent)
        {
            if (_ackedSeqNr != (ushort)(_seqNr - 1)) return; // not an ACK of our SYN
            State = UtpState.Connected;
            // The SYN-ACK's sequence number is the first the peer will use for data (a STATE does not consume one).
            _ackNr = (ushort)(header.SequenceNumber - 1);
            WakeUp(Wake.Connect | Wake.Write);
        }
        _confirmed = true;

        if (!packet.SelectiveAck.IsEmpty) ackedBytes += OnSelectiveAck(header.AckNumber, packet.SelectiveAck, now, ref minRtt);

        _numTimeouts = 0;
        _timeoutAt = _clock.After(now, _rtt.TimeoutMs(0));
        if (ackedBytes > 0) ArmTailProbe(now);

        if (ackedBytes > 0) DetectLossByTime(now);

        if (_duplicateAcks >= DuplicateAckLimit && (ushort)(_ackedSeqNr + 1) == _fastResendSeqNr && _sent.Contains(_fastResendSeqNr))
        {
            ushort lost = _fastResendSeqNr++;
            OnLoss(lost, now);
            Resend(lost, now, fast: true);
            Statistics.FastRetransmits++;
        }

        if (minRtt != long.MaxValue)
        {
            bool rttStep = _clock.MicrosBetween(_lastRttHistoryStep, now) > OneMinuteMicros;
            if (rttStep) _lastRttHistoryStep = now;
            _rttHistory.AddSample((uint)Math.Min(minRtt, int.MaxValue), rttStep);
        }
        if (delay >= 0 && ackedBytes > 0 && inFlightBefore > 0)
        {
            // The one-way delay cannot exceed the round trip: clamp the noisy sample by what was just measured.
            if (minRtt != long.MaxValue) delay = Math.Min(delay, minRtt);
            _lastQueueingDelay = delay;
            _congestion.OnAck(ackedBytes, delay, inFlightBefore, _bytesInFlight, _windowLimited, BaseRttMicros);
            _windowLimited = false;
        }

        if (header.Type == UtpPacketType.Fin) OnFin(header.SequenceNumber);
        else if (header.Type == UtpPacketType.Data) OnData(header.SequenceNumber, packet.Payload);
        if (header.Type is UtpPacketType.Data or UtpPacketType.Fin) AckPending = true;

        if (_finSent && _sent.Count == 0 && ((_inEof && _ackNr == _inEofSeqNr) || _readerClosed)) Finish();
        TrySend(now);
    }

    /// <summary>Records the peer's timestamp: our reply_micro, and their delay history for clock-drift compensation.</summary>
    private void NoteTimestamp(in UtpHeader header, long now, bool step = false)
    {
        if (header.TimestampMicros == 0) return;
        _replyMicro = _clock.HeaderMicros(now) - header.TimestampMicros;
        uint previousBase = _theirDelays.Initialized ? _theirDelays.Base : 0;
        _theirDelays.AddSample(_replyMicro, step);
        int change = unchecked((int)(_theirDelays.Base - previousBase));
        // Their delay base fell: the clocks drift apart. Raise ours by as much (at most 10 ms; more is not drift).
        if (previousBase != 0 && change is < 0 and > -10_000 && _ourDelays.Initialized) _ourDelays.AdjustBase((uint)-change);
    }

    /// <summary>Removes an acknowledged packet; returns its payload size and takes an RTT sample if it was sent once.</summary>
    private int Acknowledge(ushort seq, long now, ref long minRtt)
    {
        if (!_sent.TryRemove(seq, out var entry)) return 0;
        int payload = entry.Length - UtpHeader.Size;
        if (entry.NeedsResend) _needResend--;
        else _bytesInFlight -= payload;
        if (entry.Transmissions == 1)
        {
            if (_mtu.IsProbe(seq)) _mtu.ProbeAcked();
            if (entry.SentAt > _latestDeliveredSentAt) _latestDeliveredSentAt = entry.SentAt;
            long rtt = _clock.MicrosBetween(entry.SentAt, now);
            _rtt.AddSample(rtt);
            minRtt = Math.Min(minRtt, rtt);
        }
        ReturnPacket(entry.Buffer!);
        return payload;
    }

    /// <summary>Moves the acknowledged edge past every packet no longer held (acknowledged in order or selectively).</summary>
    private void AdvanceAckedSeqNr()
    {
        bool moved = false;
        while ((ushort)(_ackedSeqNr + 1) != _seqNr && !_sent.Contains((ushort)(_ackedSeqNr + 1)))
        {
            if (_fastResendSeqNr == _ackedSeqNr) _fastResendSeqNr++;
            _ackedSeqNr++;
            moved = true;
        }
        if (!moved) return;
        if (SequenceNumber.Before(_lossSeqNr, _ackedSeqNr)) _lossSeqNr = _ackedSeqNr;
        _duplicateAcks = 0;
    }

    /// <summary>
    /// A selective ACK: bit i of the mask (least significant bit of each byte first) says whether ack_nr + 2 + i
    /// arrived. Every packet it acknowledges counts as a duplicate ACK: a packet missing before more than three
    /// acknowledged ones is resent at once (at most a few per SACK), as libtorrent's parse_sack does.
    /// </summary>
    private int OnSelectiveAck(ushort ackNr, ReadOnlySpan<byte> mask, long now, ref long minRtt)
    {
        Span<ushort> resend = stackalloc ushort[5];
        int toResend = 0;
        int ackedBytes = 0;
        // ack_nr + 1 is missing by definition.
        if (!SequenceNumber.Before((ushort)(ackNr + 1), _fastResendSeqNr)) resend[toResend++] = (ushort)(ackNr + 1);

        ushort seq = (ushort)(ackNr + 2);
        int bits = 0;
        for (; bits < mask.Length * 8 && seq != _seqNr; bits++, seq++)
        {
            if ((mask[bits >> 3] & (1 << (bits & 7))) != 0) ackedBytes += Acknowledge(seq, now, ref minRtt);
            else if (!SequenceNumber.Before(seq, _fastResendSeqNr) && toResend < resend.Length) resend[toResend++] = seq;
        }
        AdvanceAckedSeqNr();
        if (_sent.Count == 0) _duplicateAcks = 0;

        // Only a missing packet followed by more than DuplicateAckLimit acknowledged ones is taken as lost.
        int acknowledgedAfter = 0;
        ushort lastResendable = (ushort)(ackNr + 1 + bits);
        for (int i = bits - 1; i >= 0 && acknowledgedAfter <= DuplicateAckLimit; i--)
        {
            if ((mask[i >> 3] & (1 << (i & 7))) != 0) acknowledgedAfter++;
            lastResendable--;
        }
        if (acknowledgedAfter <= DuplicateAckLimit) return ackedBytes;
        while (toResend > 0 && !SequenceNumber.Before(resend[toResend - 1], lastResendable)) toResend--;

        bool cut = false;
        for (int i = 0; i < toResend; i++)
        {
            ushort lost = resend[i];
            if (!_sent.Contains(lost)) continue;
            if (!cut && !_mtu.IsProbe(lost))
            {
                OnLoss(lost, now);
                cut = true;
            }
            Resend(lost, now, fast: true);
            Statistics.FastRetransmits++;
            _duplicateAcks = 0;
            _fastResendSeqNr = (ushort)(lost + 1);
        }
        return ackedBytes;
    }

    /// <summary>
    /// Time-based loss detection (RACK, RFC 8985, simplified): a packet still unacknowledged although one sent more than
    /// a quarter of a round trip after it has been acknowledged is lost, and is resent now. Unlike counting duplicate
    /// ACKs this also catches a lost retransmission, which would otherwise cost a whole retransmission timeout.
    /// </summary>
    private void DetectLossByTime(long now)
    {
        if (_latestDeliveredSentAt == 0) return;
        long reorderWindow = _clock.After(0, TimeSpan.FromMicroseconds(Math.Max(_rtt.RttMicros / 4, 1000)));
        long lostIfSentBefore = _latestDeliveredSentAt - reorderWindow;
        bool cut = false;
        for (ushort seq = (ushort)(_ackedSeqNr + 1); seq != _seqNr; seq++)
        {
            if (!_sent.Contains(seq)) continue;
            ref var entry = ref _sent[seq];
            if (entry.SentAt >= lostIfSentBefore)
            {
                // Packets sent once go out in sequence order: everything after this one is newer still.
                if (entry.Transmissions == 1) break;
                continue;
            }
            if (entry.NeedsResend) continue; // a timeout already counted it out; it goes with the resends
            if (!cut && !_mtu.IsProbe(seq))
            {
                OnLoss(seq, now);
                cut = true;
            }
            Resend(seq, now, fast: true);
            Statistics.FastRetransmits++;
            if (_fastResendSeqNr == seq) _fastResendSeqNr++;
        }
    }

    /// <summary>A packet was lost: halve the window, once per round trip (and only for packets sent after the last cut).</summary>
    private bool OnLoss(ushort seq, long now)
    {
        if (_mtu.IsProbe(seq)) return false; // a lost probe was too big, most likely: not a sign of congestion
        if (SequenceNumber.Before(seq, (ushort)(_lossSeqNr + 1))) return false;
        if (!_congestion.OnLoss(_clock.MicrosOf(now), _rtt.RttMicros)) return false;
        _lossSeqNr = _seqNr;
        return true;
    }

    private void OnData(ushort seq, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty) return;
        if (_inEof && _ackNr == _inEofSeqNr) return;
        if (seq == (ushort)(_ackNr + 1))
        {
            if (!_readerClosed && _received.Bytes + _outOfOrderBytes + payload.Length > _options.ReceiveBufferBytes)
            {
                Statistics.PacketsDroppedWindowFull++; // the peer ignored our window: drop it, it will be resent
                return;
            }
            Deliver(payload);
            _ackNr = seq;
            while (_outOfOrder.TryRemove((ushort)(_ackNr + 1), out var held))
            {
                _outOfOrderBytes -= held.Length;
                if (_readerClosed) ReturnPacket(held.Buffer!);
                else _received.Enqueue(held.Buffer!, 0, held.Length);
                _ackNr++;
            }
            if (_inEof && (ushort)(_ackNr + 1) == _inEofSeqNr) _ackNr = _inEofSeqNr;
            WakeUp(Wake.Read);
            return;
        }
        if (!SequenceNumber.Before(_ackNr, seq) || _outOfOrder.Contains(seq))
        {
            Statistics.DuplicatePacketsReceived++;
            return;
        }
        if (_readerClosed) return;
        if (_received.Bytes + _outOfOrderBytes + payload.Length > _options.ReceiveBufferBytes)
        {
            Statistics.PacketsDroppedWindowFull++;
            return;
        }
        var buffer = RentPacket(payload.Length);
        payload.CopyTo(buffer);
        if (_outOfOrder.Count == 0 || SequenceNumber.Before(_outOfOrderHighest, seq)) _outOfOrderHighest = seq;
        _outOfOrder.Insert(seq, buffer, payload.Length);
        _outOfOrderBytes += payload.Length;
    }

    private void Deliver(ReadOnlySpan<byte> payload)
    {
        if (_readerClosed) return; // the stream is gone: acknowledge, but keep nothing
        var buffer = RentPacket(payload.Length);
        payload.CopyTo(buffer);
        _received.Enqueue(buffer, 0, payload.Length);
    }

    /// <summary>The peer's FIN: no sequence number after it will carry data. In order, it is acknowledged at once.</summary>
    private void OnFin(ushort seq)
    {
        if (!_inEof)
        {
            _inEof = true;
            _inEofSeqNr = seq;
        }
        if (seq == (ushort)(_ackNr + 1)) _ackNr = seq;
        WakeUp(Wake.Read);
    }
}
