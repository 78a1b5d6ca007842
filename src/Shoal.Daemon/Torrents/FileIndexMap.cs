using System.Runtime.CompilerServices;
using Shoal.Metainfo;

namespace Shoal.Daemon.Torrents;

/// <summary>
/// The RPC's file numbers and the library's. <see cref="TorrentInfo.Files"/> holds padding entries too (BEP 47 pad files
/// of hybrid and v1 torrents, and the padding a v2 torrent's layout puts after each file); the RPC, like Transmission 4
/// and qBittorrent, shows only real files, numbered 0..<see cref="Count"/>-1 in the torrent's order. Settings are stored
/// per internal file (<see cref="TorrentSettings"/>), so every RPC index is turned into an internal one here, and only here.
/// A torrent without padding maps each index to itself.
/// </summary>
public sealed class FileIndexMap
{
    // One map per TorrentInfo (immutable), made on first use: torrent-get polls ask for it often.
    private static readonly ConditionalWeakTable<TorrentInfo, FileIndexMap> Maps = [];

    private readonly int[] _internal; // by RPC index
    private readonly bool[] _isFile;  // by internal index

    private FileIndexMap(TorrentInfo info)
    {
        _isFile = [.. info.Files.Select(f => !f.IsPadding)];
        _internal = [.. Enumerable.Range(0, _isFile.Length).Where(i => _isFile[i])];
    }

    public static FileIndexMap Of(TorrentInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Maps.GetValue(info, i => new FileIndexMap(i));
    }

    /// <summary>Real files: the RPC's file count.</summary>
    public int Count => _internal.Length;

    /// <summary>Every entry of <see cref="TorrentInfo.Files"/>, padding included.</summary>
    public int InternalCount => _isFile.Length;

    /// <summary>The internal index of each real file, in RPC order (the RPC index is the position).</summary>
    public IReadOnlyList<int> InternalIndices => _internal;

    /// <summary>Whether the internal entry is a real file (not padding).</summary>
    public bool IsFile(int internalIndex) => _isFile[internalIndex];

    public int ToInternal(int rpcIndex) => _internal[rpcIndex];

    /// <summary>The internal indices of the given RPC indices; <paramref name="allValid"/> is false when some were out of range (they are left out).</summary>
    public IReadOnlyList<int> ToInternal(IEnumerable<long> rpcIndices, out bool allValid)
    {
        ArgumentNullException.ThrowIfNull(rpcIndices);
        var result = new List<int>();
        allValid = true;
        foreach (long index in rpcIndices)
        {
            if (index >= 0 && index < _internal.Length) result.Add(_internal[index]);
            else allValid = false;
        }
        return result;
    }
}
