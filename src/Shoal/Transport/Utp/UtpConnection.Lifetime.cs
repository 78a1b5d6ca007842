namespace Shoal.Transport.Utp;

internal sealed partial class UtpConnection
{
    /// <summary>
    /// Runs the retransmission timer (BEP 29): when nothing was heard for a timeout, everything in flight counts as
    /// lost, the window drops to one packet and the oldest packet is resent; each further timeout in a row doubles
    /// the wait. The connection is given up after <see cref="UtpOptions.MaxTransmissions"/> timeouts in a row
    /// (<see cref="UtpOptions.SynTransmissions"/> for a SYN, or for a SYN we answered that was never followed up).
    /// Returns true once the manager may forget the connection.
    /// </summary>
    public bool Tick(long now)
    {
        if (State is UtpState.Failed or UtpState.Closed) return now >= _lingerUntil;
        if (now < _timeoutAt)
        {
            if (now >= _probeAt) ProbeTail(now);
            return false;
        }

        bool outstanding = _sent.Count > 0;
        if (outstanding || !_confirmed) _numTimeouts++;
        if (State == UtpState.SynSent && _numTimeouts >= _options.SynTransmissions)
        {
            Fail("connection timed out: no answer to SYN");
            return false;
        }
        if (!_confirmed && !IsOutgoing && _numTimeouts >= _options.SynTransmissions)
        {
            Fail("connection timed out: the peer never followed up its SYN");
            return false;
        }
        if (_numTimeouts >= _options.MaxTransmissions)
        {
            Fail("connection timed out: the peer stopped acknowledging");
            return false;
        }

        // Only the probe outstanding: it was too big, most likely, and says nothing about congestion (libtorrent).
        bool onlyProbe = _sent.Count == 1 && _mtu.IsProbe((ushort)(_ackedSeqNr + 1));
        if (!onlyProbe) _congestion.OnTimeout(idle: _bytesInFlight == 0);
        // Timeouts in a row: packets of the size found may no longer pass. New packets go back to the starting size.
        if (outstanding && _numTimeouts >= 2) _mtu.PathMayHaveShrunk();
        _lossSeqNr = _seqNr;
        _timeoutAt = _clock.After(now, _rtt.TimeoutMs(_numTimeouts));
        if (outstanding)
        {
            Statistics.Timeouts++;
            for (ushort seq = (ushort)(_ackedSeqNr + 1); seq != _seqNr; seq++)
            {
                if (!_sent.Contains(seq)) continue;
                ref var entry = ref _sent[seq];
                if (entry.NeedsResend) continue;
                entry.NeedsResend = true;
                _needResend++;
                _bytesInFlight -= entry.Length - UtpHeader.Size;
            }
            ushort oldest = (ushort)(_ackedSeqNr + 1);
            if (_fastResendSeqNr == oldest) _fastResendSeqNr++;
            Resend(oldest, now, fast: false);
        }
        else if (State == UtpState.Connected)
        {
            TrySend(now);
        }
        return false;
    }

    /// <summary>
    /// A tail loss probe (RFC 8985): nothing was heard for two round trips although packets are in flight. With a small
    /// window one lost ACK may have covered all of them, and nothing else will come back to reveal it; resending the
    /// newest packet draws a fresh ACK (and a selective ACK of any real gap) long before the retransmission timeout,
    /// without taking the loss of the whole window for granted. Once per silence (re-armed by an ACK of new data).
    /// </summary>
    private void ProbeTail(long now)
    {
        _probeAt = long.MaxValue;
        // A peer whose receive window is full is probed by the retransmission timer, at its slower pace.
        if (State is not (UtpState.Connected or UtpState.FinSent) || _bytesInFlight == 0 || _peerWindow < _bytesInFlight) return;
        for (ushort seq = (ushort)(_seqNr - 1); seq != _ackedSeqNr; seq--)
        {
            if (!_sent.Contains(seq) || _sent[seq].NeedsResend) continue;
            Resend(seq, now, fast: true);
            Statistics.TailProbes++;
            return;
        }
    }

    /// <summary>When to probe the tail if nothing is heard: two round trips from now, at least 10 ms.</summary>
    private void ArmTailProbe(long now) => _probeAt = _clock.After(now, (int)Math.Max(2 * _rtt.RttMicros / 1000, 10));

    /// <summary>Reads what has arrived in order. False when nothing has yet (arm <see cref="ReadSignal"/> and wait); 0 bytes with true is the end of the stream.</summary>
    public bool TryRead(Span<byte> destination, long now, out int count)
    {
        count = 0;
        if (!_received.IsEmpty)
        {
            count = _received.Dequeue(destination);
            // The peer may have stopped for a window we advertised small: tell it there is room again.
            int window = ReceiveWindow;
            if (_lastAdvertisedWindow < _options.ReceiveBufferBytes / 2 && window - _lastAdvertisedWindow >= _options.ReceiveBufferBytes / 4
                && State is UtpState.Connected or UtpState.FinSent) SendAck(now);
            return true;
        }
        if (AtEndOfStream) return true;
        if (State == UtpState.Failed) throw new IOException(Error);
        return State == UtpState.Closed;
    }

    /// <summary>True when <see cref="Write"/> would take bytes now; throws when writing is over.</summary>
    public bool CanWrite
    {
        get
        {
            if (State is not (UtpState.Connected or UtpState.SynSent) || _finRequested) throw new IOException(WriteClosedReason());
            return _unsent.Bytes < _options.SendBufferBytes;
        }
    }

    /// <summary>Ends our direction: the FIN goes out after every byte written (which is no longer held back by Nagle).</summary>
    public void CloseWrite(long now)
    {
        if (_finRequested || State is UtpState.Failed or UtpState.Closed) return;
        if (State == UtpState.SynSent)
        {
            Abort(now, "closed before it connected");
            return;
        }
        _finRequested = true;
        _flushTail = true;
        TrySend(now);
        WakeUp(Wake.Write);
    }

    /// <summary>The stream is disposed: nothing more will be read, so incoming data is acknowledged and dropped.</summary>
    public void CloseRead()
    {
        _readerClosed = true;
        _received.Clear();
        _outOfOrder.Clear();
        _outOfOrderBytes = 0;
        if (_finSent && _sent.Count == 0) Finish();
    }

    /// <summary>Resets the connection: the peer is told at once, and every waiter fails.</summary>
    public void Abort(long now, string reason)
    {
        if (State == UtpState.Failed) return;
        if (State != UtpState.SynSent && State != UtpState.Closed) SendReset(now);
        Fail(reason);
    }

    /// <summary>Both directions are done: keep answering the peer's FIN for a while, then go.</summary>
    private void Finish()
    {
        if (State is UtpState.Closed or UtpState.Failed) return;
        State = UtpState.Closed;
        _lingerUntil = _clock.After(_clock.Now, _options.Linger);
        ReleaseSendBuffers();
        WakeUp(Wake.Read | Wake.Write);
    }
}
