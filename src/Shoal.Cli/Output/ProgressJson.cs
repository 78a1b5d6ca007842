using System.Text;
using System.Text.Json;
using Shoal.Client;
using Shoal.Swarm;
using Shoal.Transport;

namespace Shoal.Cli.Output;

/// <summary>The `--json` progress line: one object per line with stable snake_case keys.</summary>
internal static class ProgressJson
{
    public static string Line(string @event, ManagedTorrent torrent, TorrentStatus status, string? message = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", @event);
            json.WriteString("info_hash", torrent.Info.InfoHash.ToHex());
            json.WriteString("name", torrent.Info.Name);
            json.WriteString("state", status.State.ToString().ToLowerInvariant());
            json.WriteNumber("listen_port", torrent.ListenPort);
            json.WriteNumber("progress", Math.Round(status.Progress, 6));
            json.WriteNumber("verified_bytes", status.VerifiedBytes);
            json.WriteNumber("total_bytes", status.TotalBytes);
            // Held = verified in this run + resumed on the last run's record; downloaded is part of verified.
            var pieces = PieceSummary.Of(torrent);
            json.WriteNumber("pieces_held", status.PiecesVerified);
            json.WriteNumber("pieces_verified", Math.Max(0, status.PiecesVerified - pieces.Resumed));
            json.WriteNumber("pieces_resumed", pieces.Resumed);
            json.WriteNumber("pieces_downloaded", pieces.Downloaded);
            json.WriteNumber("piece_count", status.PieceCount);
            json.WriteNumber("download_rate", Math.Round(status.DownloadRate));
            json.WriteNumber("upload_rate", Math.Round(status.UploadRate));
            json.WriteNumber("downloaded", status.Downloaded);
            json.WriteNumber("uploaded", status.Uploaded);
            json.WriteNumber("peers", status.Peers.Count);
            json.WriteNumber("seeds", status.Seeds);
            json.WriteNumber("peers_utp", status.Peers.Count(p => p.Transport == TransportKind.Utp));
            json.WriteNumber("peers_encrypted", status.Peers.Count(p => p.IsEncrypted));
            json.WriteNumber("peers_obfuscated", status.Peers.Count(p => p.IsObfuscated));
            PeerSources.Write(json, status);
            PeerSources.WriteWebSeeds(json, status);
            json.WriteNumber("hash_failures", status.HashFailures);
            if (status.Eta is { } eta) json.WriteNumber("eta_seconds", Math.Round(eta.TotalSeconds, 1));
            else json.WriteNull("eta_seconds");
            if ((message ?? status.Error) is { } text) json.WriteString("message", TerminalText.Safe(text));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
