using System.Diagnostics;
using System.Reflection;
using Shoal.Swarm;

namespace Shoal.Tests.Architecture;

/// <summary>
/// The peer engine takes its time and randomness from what it is given (<see cref="TimeProvider"/>,
/// <see cref="EngineSettings.RandomSeed"/>), so swarm tests on fake time and a fixed seed see the same thing every run:
/// no clock, timer, sleep or unseeded random of its own anywhere in Shoal.Swarm.
/// </summary>
public class SwarmDeterminismTests
{
    /// <summary>What the swarm may not call, as "Type.Member" (constructors as "Type..ctor" with their parameter count).</summary>
    private static readonly (Type Type, string Member, Func<MethodBase, bool>? Which)[] Forbidden =
    [
        (typeof(DateTime), "get_Now", null),
        (typeof(DateTime), "get_UtcNow", null),
        (typeof(DateTimeOffset), "get_Now", null),
        (typeof(DateTimeOffset), "get_UtcNow", null),
        (typeof(Environment), "get_TickCount", null),
        (typeof(Environment), "get_TickCount64", null),
        (typeof(Stopwatch), "GetTimestamp", null),
        (typeof(Stopwatch), "StartNew", null),
        (typeof(Thread), "Sleep", null),
        (typeof(Random), ".ctor", m => m.GetParameters().Length == 0),
        (typeof(Random), "get_Shared", null),
        (typeof(Task), "Delay", m => !m.GetParameters().Any(p => p.ParameterType == typeof(TimeProvider))),
        (typeof(Task), "WaitAsync", m => m.GetParameters().Any(p => p.ParameterType == typeof(TimeSpan)) && !m.GetParameters().Any(p => p.ParameterType == typeof(TimeProvider))),
        (typeof(CancellationTokenSource), "CancelAfter", null),
        (typeof(CancellationTokenSource), ".ctor", m => m.GetParameters().Length > 0 && !m.GetParameters().Any(p => p.ParameterType == typeof(TimeProvider))),
        (typeof(System.Threading.Timer), ".ctor", null),
    ];

    [Fact]
    public void The_swarm_uses_only_injected_time_and_seeded_randomness()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in typeof(ClientEngine).Assembly.GetTypes().Where(t => t.Namespace == "Shoal.Swarm"))
        {
            foreach (var (member, method) in TypeReferences.BodyMembers(type))
            {
                if (member is not MethodBase called || called.DeclaringType is not { } declaring) continue;
                var owner = declaring.IsGenericType ? declaring.GetGenericTypeDefinition() : declaring;
                foreach (var (forbiddenType, name, which) in Forbidden)
                    if (owner == forbiddenType && called.Name == name && (which is null || which(called)))
                        found.Add($"{type.FullName}.{method} calls {forbiddenType.Name}.{name}");
            }
        }
        Assert.True(found.Count == 0, "the swarm uses its own clock or randomness:\n" + string.Join('\n', found));
    }
}
