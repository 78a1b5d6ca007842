using System.CommandLine;
using Shoal.Client;
using Shoal.Transport;
using Shoal.Transport.Mse;

namespace Shoal.Cli.Commands;

/// <summary>`--encryption` (MSE/PE) and `--transport` (TCP, uTP): how `seed`, `get` and `daemon` reach peers.</summary>
internal sealed class TransportFlags
{
    public Option<string?> Encryption { get; } = new("--encryption")
    {
        Description = "MSE/PE encryption: prefer (default: try encrypted, fall back to plaintext), require (encrypted only), " +
                      "allow (plaintext first, accept encrypted), off",
        HelpName = "prefer|require|allow|off",
    };

    public Option<string?> Transport { get; } = new("--transport")
    {
        Description = "Peer transports: both (default: uTP first, then TCP; accept both), tcp, utp (on the UDP port with the same number)",
        HelpName = "both|tcp|utp",
    };

    public IEnumerable<Option> All => [Encryption, Transport];

    /// <summary>The options with the flags applied; uTP opens the shared UDP port if nothing else has.</summary>
    public ClientOptions Apply(ParseResult parse, ClientOptions options)
    {
        var encryption = options.Encryption;
        if (parse.GetValue(Encryption) is { } e && !EncryptionPolicyRules.TryParse(e, out encryption))
            throw new UserErrorException($"--encryption '{e}' is not one of prefer, require, allow, off");
        var mode = options.TransportMode;
        if (parse.GetValue(Transport) is { } t && !PeerTransportModes.TryParse(t, out mode))
            throw new UserErrorException($"--transport '{t}' is not one of both, tcp, utp");
        options = options with { Encryption = encryption, TransportMode = mode };
        return mode.UsesUtp() && options.Datagrams is null ? options with { Datagrams = ClientTransports.Udp } : options;
    }
}
