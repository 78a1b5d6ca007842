using System.Text;
using Shoal.Metainfo;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// <see cref="MagnetLink.TryParse(string?, out MagnetLink?, out string?)"/> never throws and <see cref="MagnetLink.Parse"/>
/// throws only <see cref="InvalidTorrentException"/>; an accepted link's <see cref="MagnetLink.ToString"/> parses back to the same
/// link (when it stays within the length limit).
/// </summary>
internal sealed class MagnetTarget : FuzzTarget
{
    public override string Name => "magnet";

    public override string Description => "MagnetLink.TryParse never throws, Parse throws InvalidTorrentException only; ToString round-trips";

    public override bool Run(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        bool accepted = MagnetLink.TryParse(text, out var link, out var error);
        try
        {
            MagnetLink.Parse(text);
            if (!accepted) throw new InvariantViolation("magnet: Parse accepted what TryParse rejected");
        }
        catch (InvalidTorrentException)
        {
            if (accepted) throw new InvariantViolation("magnet: Parse rejected what TryParse accepted");
        }
        if (link is null)
        {
            if (string.IsNullOrEmpty(error)) throw new InvariantViolation("magnet: rejected without saying why");
            return false;
        }

        var written = link.ToString();
        // Escaping lengthens a link: one accepted near the length limit may be written longer than the limit allows.
        if (written.Length > MagnetLinkParser.MaxLength) return true;
        if (!MagnetLink.TryParse(written, out var again, out var againError))
            throw new InvariantViolation($"magnet: its own ToString() does not parse: {againError}");
        if (again.InfoHash != link.InfoHash || again.DisplayName != link.DisplayName || again.ExactLength != link.ExactLength
            || !again.Trackers.SequenceEqual(link.Trackers) || !again.Peers.SequenceEqual(link.Peers))
            throw new InvariantViolation("magnet: ToString() does not round-trip");
        return true;
    }
}
