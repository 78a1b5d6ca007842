using Shoal.Daemon.Rpc;

namespace Shoal.Daemon.Session;

/// <summary>Bandwidth groups (group-set, group-get, a torrent's `group`): stored in the state database, applied to the engine.</summary>
public sealed partial class DaemonSession
{
    private const string GroupsKey = "groups";

    private readonly SortedDictionary<string, BandwidthGroup> _groups = new(StringComparer.Ordinal);

    public IReadOnlyList<BandwidthGroup> Groups
    {
        get { lock (_sync) return [.. _groups.Values]; }
    }

    public void SetGroup(BandwidthGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(group.Name);
        BandwidthGroup[] all;
        lock (_sync)
        {
            _groups[group.Name] = group;
            all = [.. _groups.Values];
        }
        _store.SetValue(GroupsKey, all);
        ApplyGroup(group);
    }

    /// <summary>A torrent named a group that does not exist yet: it is created with no limits, as Transmission does.</summary>
    private void EnsureGroup(string name)
    {
        if (name.Length == 0) return;
        lock (_sync)
        {
            if (_groups.ContainsKey(name)) return;
        }
        SetGroup(new BandwidthGroup { Name = name });
    }

    private void RestoreGroups()
    {
        var stored = _store.GetValue<BandwidthGroup[]>(GroupsKey) ?? [];
        lock (_sync)
        {
            foreach (var group in stored.Where(g => !string.IsNullOrWhiteSpace(g.Name))) _groups[group.Name] = group;
        }
        foreach (var group in stored) ApplyGroup(group);
    }

    private void ApplyGroup(BandwidthGroup g) =>
        _engine.SetGroupLimits(g.Name, g.SpeedLimitUpEnabled ? g.SpeedLimitUp * 1000 : 0, g.SpeedLimitDownEnabled ? g.SpeedLimitDown * 1000 : 0,
            g.HonorsSessionLimits);
}
