using Shoal.Daemon.Torrents;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>
/// torrent-set: changes the settings of the torrents named by <c>ids</c>. As in Transmission, an empty file list means
/// "every file", and a bad value (an out-of-range file index, an empty label) still lets the valid ones apply but makes
/// the result an error.
/// </summary>
internal static class TorrentSetMethod
{
    public static void Register(IDictionary<string, RpcHandler> methods) => methods["torrent-set"] = SetAsync;

    private static Task SetAsync(RpcCall call)
    {
        var args = call.Arguments;
        string? error = null;
        IReadOnlyList<string>? labels = null;
        if (args.StringList("labels") is { } givenLabels)
        {
            labels = Labels.Validate(givenLabels, out var labelError);
            if (labelError is not null)
            {
                error = labelError;
                labels = null;
            }
        }
        IReadOnlyList<IReadOnlyList<string>>? trackerList = null;
        if (args.String("trackerList") is { } text)
        {
            trackerList = TrackerFields.ParseTrackerList(text);
            if (trackerList is null) error ??= "Invalid tracker list";
        }
        foreach (var torrent in call.Torrents())
        {
            var snapshot = torrent.Snapshot();
            var files = snapshot.Metainfo is { } metainfo ? FileIndexMap.Of(metainfo.Info) : null;
            var s = snapshot.Settings;
            if (args.Int("bandwidthPriority") is { } priority && FilePriority.IsValid(priority)) s = s with { BandwidthPriority = (int)priority };
            if (args.String("group") is { } group) s = s with { Group = group.Trim() };
            if (labels is not null) s = s with { Labels = labels };
            s = ApplyFiles(s, args, "files-unwanted", files, ref error, (x, list, map) => x.WithWanted(list, false, map));
            s = ApplyFiles(s, args, "files-wanted", files, ref error, (x, list, map) => x.WithWanted(list, true, map));
            if (args.Int("peer-limit") is { } peers && peers > 0) s = s with { PeerLimit = (int)Math.Min(peers, 10_000) };
            s = ApplyFiles(s, args, "priority-high", files, ref error, (x, list, map) => x.WithPriority(list, FilePriority.High, map));
            s = ApplyFiles(s, args, "priority-low", files, ref error, (x, list, map) => x.WithPriority(list, FilePriority.Low, map));
            s = ApplyFiles(s, args, "priority-normal", files, ref error, (x, list, map) => x.WithPriority(list, FilePriority.Normal, map));
            if (args.Int("downloadLimit") is { } down) s = s with { DownloadLimit = Math.Max(0, down) };
            if (args.Bool("downloadLimited") is { } downLimited) s = s with { DownloadLimited = downLimited };
            if (args.Bool("honorsSessionLimits") is { } honors) s = s with { HonorsSessionLimits = honors };
            if (args.Int("uploadLimit") is { } up) s = s with { UploadLimit = Math.Max(0, up) };
            if (args.Bool("uploadLimited") is { } upLimited) s = s with { UploadLimited = upLimited };
            if (args.Int("seedIdleLimit") is { } idle) s = s with { SeedIdleLimit = (int)Math.Clamp(idle, 0, ushort.MaxValue) };
            if (args.Int("seedIdleMode") is { } idleMode && Enum.IsDefined((SeedLimitMode)idleMode)) s = s with { SeedIdleMode = (SeedLimitMode)idleMode };
            if (args.Double("seedRatioLimit") is { } ratio && ratio >= 0) s = s with { SeedRatioLimit = ratio };
            if (args.Int("seedRatioMode") is { } ratioMode && Enum.IsDefined((SeedLimitMode)ratioMode)) s = s with { SeedRatioMode = (SeedLimitMode)ratioMode };
            if ((args.Bool("sequentialDownload") ?? args.Bool("sequential_download")) is { } sequential) s = s with { Sequential = sequential };
            if (s != snapshot.Settings) call.Host.UpdateSettings(torrent, s);
            if (args.Int("queuePosition") is { } position) call.Host.SetQueuePosition(torrent, (int)Math.Clamp(position, 0, int.MaxValue));
            var tiers = trackerList ?? EditTrackers(args, snapshot.TrackerTiers, ref error);
            if (tiers is not null) call.Host.SetTrackers(torrent, tiers);
        }
        if (error is not null) throw new RpcException(error);
        return Task.CompletedTask;
    }

    /// <summary>Applies the file list under <paramref name="key"/> (RPC indices: real files only) to the internal files they name.</summary>
    private static TorrentSettings ApplyFiles(TorrentSettings settings, RpcArguments args, string key, FileIndexMap? files, ref string? error,
        Func<TorrentSettings, IEnumerable<int>, FileIndexMap, TorrentSettings> apply)
    {
        if (args.IntList(key) is not { } given) return settings;
        if (files is null)
        {
            // No metadata yet: no file exists, so any index is out of range (an empty list, "every file", is none).
            if (given.Count > 0) error ??= "file index out of range";
            return settings;
        }
        if (given.Count == 0) return apply(settings, files.InternalIndices, files);
        var valid = files.ToInternal(given, out bool allValid);
        if (!allValid) error ??= "file index out of range";
        return apply(settings, valid, files);
    }

    /// <summary>The deprecated trackerAdd (new tiers), trackerRemove (by id) and trackerReplace ([id, url] pairs); null when none was given.</summary>
    private static IReadOnlyList<IReadOnlyList<string>>? EditTrackers(RpcArguments args, IReadOnlyList<IReadOnlyList<string>> current, ref string? error)
    {
        var add = args.StringList("trackerAdd");
        var remove = args.IntList("trackerRemove");
        bool hasReplace = args.TryGet("trackerReplace", out var replace) && replace.ValueKind == System.Text.Json.JsonValueKind.Array;
        if (add is null && remove is null && !hasReplace) return null;
        // Ids are positions in the flattened list, as torrent-get's trackers report them.
        var flat = current.SelectMany((tier, t) => tier.Select(url => (Tier: t, Url: (string?)url))).ToList();
        foreach (long id in remove ?? [])
        {
            if (id >= 0 && id < flat.Count) flat[(int)id] = (flat[(int)id].Tier, null);
            else error ??= "error setting announce list";
        }
        if (hasReplace)
        {
            var items = replace.EnumerateArray().ToArray();
            for (int i = 0; i + 1 < items.Length; i += 2)
            {
                if (RpcArguments.TryInt(items[i], out long id) && id >= 0 && id < flat.Count && items[i + 1].GetString() is { } url && IsTrackerUrl(url))
                    flat[(int)id] = (flat[(int)id].Tier, url);
                else error ??= "error setting announce list";
            }
        }
        int nextTier = current.Count;
        foreach (var url in add ?? [])
        {
            if (IsTrackerUrl(url) && flat.Count < TrackerFields.MaxTrackers && !flat.Any(f => f.Url == url)) flat.Add((nextTier++, url));
            else error ??= "error setting announce list";
        }
        return [.. flat.Where(f => f.Url is not null).GroupBy(f => f.Tier).OrderBy(g => g.Key).Select(g => (IReadOnlyList<string>)[.. g.Select(f => f.Url!)])];
    }

    private static bool IsTrackerUrl(string url) => TrackerFields.ParseTrackerList(url) is [[_]];
}

/// <summary>Label rules (Transmission's): trimmed, not empty, no commas; plus bounds, since they come from the network.</summary>
internal static class Labels
{
    public const int MaxCount = 64;
    public const int MaxLength = 256;

    public static IReadOnlyList<string> Validate(IEnumerable<string> given, out string? error)
    {
        error = null;
        var labels = new List<string>();
        foreach (var raw in given)
        {
            var label = raw.Trim();
            if (label.Length == 0) error ??= "labels cannot be empty";
            else if (label.Contains(',', StringComparison.Ordinal)) error ??= "labels cannot contain comma (,) character";
            else if (label.Length > MaxLength) error ??= $"labels cannot be longer than {MaxLength} characters";
            else if (!labels.Contains(label, StringComparer.Ordinal)) labels.Add(label);
        }
        if (labels.Count > MaxCount) error ??= $"at most {MaxCount} labels";
        return error is null ? labels : [];
    }
}
