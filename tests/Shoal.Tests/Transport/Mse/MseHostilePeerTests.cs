using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Shoal.Transport.Mse;
using static Shoal.Tests.Transport.Mse.MseTestPeers;

namespace Shoal.Tests.Transport.Mse;

/// <summary>Peers that break the handshake on purpose: every one must end in an <see cref="MseHandshakeException"/>, quickly.</summary>
public sealed class MseHostilePeerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_initiator_whose_padding_runs_past_512_bytes_is_dropped_at_the_532nd_byte()
    {
        var (a, b) = DuplexPipe.Create();
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), EncryptionPolicy.Prefer, Ct);
        var secret = await ExchangeKeysAsync(a, padLength: 513);
        await a.WriteAsync(Step3(secret, Torrent, 3, 0, 0, []), Ct);
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => respond.WaitAsync(Bound, Ct));
        Assert.Contains("no sync hash within 512 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_initiator_with_exactly_512_bytes_of_padding_is_accepted()
    {
        var (a, b) = DuplexPipe.Create();
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), EncryptionPolicy.Prefer, Ct);
        var secret = await ExchangeKeysAsync(a, padLength: 512);
        await a.WriteAsync(Step3(secret, Torrent, 2, 512, 3, [1, 2, 3]), Ct);
        var result = await respond.WaitAsync(Bound, Ct);
        Assert.Equal([1, 2, 3], result.InitialPayload.ToArray());
    }

    [Theory]
    [InlineData(513, 0, "padding is 513 bytes")]
    [InlineData(0, 1025, "initial payload is 1025 bytes")]
    public async Task Oversized_fields_are_refused(int padC, int iaLength, string expected)
    {
        var (a, b) = DuplexPipe.Create();
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), EncryptionPolicy.Prefer, Ct);
        var secret = await ExchangeKeysAsync(a, padLength: 10);
        await a.WriteAsync(Step3(secret, Torrent, 2, padC, iaLength, []), Ct);
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => respond.WaitAsync(Bound, Ct));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_verification_constant_is_refused()
    {
        var (a, b) = DuplexPipe.Create();
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), EncryptionPolicy.Prefer, Ct);
        var secret = await ExchangeKeysAsync(a, padLength: 0);
        await a.WriteAsync(Step3(secret, Torrent, 2, 0, 0, [], vcByte: 1), Ct);
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => respond.WaitAsync(Bound, Ct));
        Assert.Contains("verification constant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plaintext_only_offer_is_refused_when_encryption_is_required()
    {
        var (a, b) = DuplexPipe.Create();
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), EncryptionPolicy.Require, Ct);
        var secret = await ExchangeKeysAsync(a, padLength: 0);
        await a.WriteAsync(Step3(secret, Torrent, 1, 0, 0, []), Ct);
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => respond.WaitAsync(Bound, Ct));
        Assert.Contains("none of which our policy (Require) accepts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Random_garbage_instead_of_a_handshake_is_dropped_within_the_bound()
    {
        var (a, b) = DuplexPipe.Create();
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), EncryptionPolicy.Prefer, Ct);
        var garbage = new byte[4096];
        new Random(99).NextBytes(garbage);
        garbage[0] = 0xFF; // not a plaintext handshake
        await a.WriteAsync(garbage, Ct);
        await Assert.ThrowsAsync<MseHandshakeException>(() => respond.WaitAsync(Bound, Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    [InlineData(96 + 100)]
    public async Task A_connection_closed_part_way_fails_the_handshake(int sent)
    {
        var (a, b) = DuplexPipe.Create();
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), EncryptionPolicy.Prefer, Ct);
        var bytes = new byte[sent];
        new Random(5).NextBytes(bytes);
        if (sent > 0) bytes[0] = 0xFF;
        await a.WriteAsync(bytes, Ct);
        a.Dispose();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => respond.WaitAsync(Bound, Ct));
        Assert.True(error is MseHandshakeException or EndOfStreamException, error.ToString());
    }

    [Theory]
    [InlineData(0u, "selected crypto method 0")]
    [InlineData(3u, "selected crypto method 3")]
    [InlineData(1u, "selected crypto method 1, which we did not offer (Rc4)")]
    public async Task A_responder_selecting_what_was_not_offered_is_refused(uint select, string expected)
    {
        var (a, b) = DuplexPipe.Create();
        var initiate = MseHandshake.InitiateAsync(a, Torrent, EncryptionPolicy.Require, new byte[68], Ct);
        var secret = await ExchangeKeysAsync(b, padLength: 20, readFirst: true);
        await b.WriteAsync(Step4(secret, Torrent, select, 0), Ct);
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => initiate.WaitAsync(Bound, Ct));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_responder_whose_padding_runs_past_512_bytes_is_dropped()
    {
        var (a, b) = DuplexPipe.Create();
        var initiate = MseHandshake.InitiateAsync(a, Torrent, EncryptionPolicy.Prefer, new byte[68], Ct);
        var secret = await ExchangeKeysAsync(b, padLength: 513, readFirst: true);
        await b.WriteAsync(Step4(secret, Torrent, 2, 0), Ct);
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => initiate.WaitAsync(Bound, Ct));
        Assert.Contains("no verification constant within 512 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_responder_with_too_long_a_PadD_is_refused()
    {
        var (a, b) = DuplexPipe.Create();
        var initiate = MseHandshake.InitiateAsync(a, Torrent, EncryptionPolicy.Prefer, new byte[68], Ct);
        var secret = await ExchangeKeysAsync(b, padLength: 0, readFirst: true);
        await b.WriteAsync(Step4(secret, Torrent, 2, 600), Ct);
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => initiate.WaitAsync(Bound, Ct));
        Assert.Contains("padding is 600 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_initiator_times_out_waiting_for_its_public_key()
    {
        var time = new FakeTimeProvider();
        var (_, b) = DuplexPipe.Create();
        var options = new MseOptions { TimeProvider = time, StepTimeout = TimeSpan.FromSeconds(10) };
        var respond = MseHandshake.RespondAsync(b, new byte[] { 0xFF, 1, 2 }, IndexOf(Torrent).TryFind, EncryptionPolicy.Prefer, Ct, options);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(respond.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => respond.WaitAsync(Bound, Ct));
        Assert.Equal("timed out after 10 s waiting for the peer's public key", error.Message);
    }

    [Fact]
    public async Task An_initiator_that_stalls_after_its_key_times_out_at_the_sync_step()
    {
        var time = new FakeTimeProvider();
        var (a, b) = DuplexPipe.Create();
        var options = new MseOptions { TimeProvider = time, StepTimeout = TimeSpan.FromSeconds(10) };
        var respond = RespondAfterSniffingAsync(b, IndexOf(Torrent), EncryptionPolicy.Prefer, Ct, options);
        await ExchangeKeysAsync(a, padLength: 5); // returns once the responder's key arrived: it is now looking for the sync hash
        time.Advance(TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => respond.WaitAsync(Bound, Ct));
        Assert.Equal("timed out after 10 s waiting for the peer's sync hash", error.Message);
    }

    [Fact]
    public async Task A_silent_responder_times_out_the_initiator()
    {
        var time = new FakeTimeProvider();
        var (a, _) = DuplexPipe.Create();
        var initiate = MseHandshake.InitiateAsync(a, Torrent, EncryptionPolicy.Prefer, new byte[68], Ct,
            new MseOptions { TimeProvider = time, StepTimeout = TimeSpan.FromSeconds(5) });
        time.Advance(TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<MseHandshakeException>(() => initiate.WaitAsync(Bound, Ct));
        Assert.Equal("timed out after 5 s waiting for the peer's public key", error.Message);
    }

    [Fact]
    public async Task The_callers_own_cancellation_stays_a_cancellation()
    {
        var (a, _) = DuplexPipe.Create();
        using var cancel = new CancellationTokenSource();
        var initiate = MseHandshake.InitiateAsync(a, Torrent, EncryptionPolicy.Prefer, new byte[68], cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => initiate.WaitAsync(Bound, Ct));
    }

    [Fact]
    public async Task Invalid_public_keys_are_refused()
    {
        var exchange = new MseKeyExchange(MseOptions.Default);
        var secret = new byte[96];
        byte[] prime = Convert.FromHexString(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B30" +
            "2B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563");
        var one = new byte[96];
        one[95] = 1;
        var primeMinusOne = prime.ToArray();
        primeMinusOne[95]--;
        Assert.False(exchange.TryComputeSecret(new byte[96], secret));
        Assert.False(exchange.TryComputeSecret(one, secret));
        Assert.False(exchange.TryComputeSecret(primeMinusOne, secret));
        Assert.False(exchange.TryComputeSecret(prime, secret));
        Assert.False(exchange.TryComputeSecret(Enumerable.Repeat((byte)0xFF, 96).ToArray(), secret));

        var other = new MseKeyExchange(MseOptions.Default);
        var s1 = new byte[96];
        var s2 = new byte[96];
        Assert.True(exchange.TryComputeSecret(other.PublicKey, s1));
        Assert.True(other.TryComputeSecret(exchange.PublicKey, s2));
        Assert.Equal(s1, s2);
        Assert.NotEqual(new byte[96], s1);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Garbage_public_key_from_a_responder_is_refused_or_fails_sync()
    {
        var (a, b) = DuplexPipe.Create();
        var initiate = MseHandshake.InitiateAsync(a, Torrent, EncryptionPolicy.Prefer, new byte[68], Ct);
        await b.WriteAsync(RandomNumberGenerator.GetBytes(96 + 600), Ct);
        await Assert.ThrowsAsync<MseHandshakeException>(() => initiate.WaitAsync(Bound, Ct));
    }
}
