using System.Reflection;
using System.Runtime.InteropServices;

namespace Shoal.Fuzz;

/// <summary>
/// Instrumented assemblies write every branch into SharpFuzz's coverage map; outside afl-fuzz nothing has attached one,
/// so replaying inputs through an instrumented build needs a scratch map of its own. Reached by reflection: an assembly
/// that references SharpFuzz.Common counts as instrumented already, and this one must stay instrumentable (the canary).
/// </summary>
internal static unsafe class CoverageMap
{
    // Larger than any map SharpFuzz indexes (64 KiB), so an instrumented build can never write past it.
    private const int Size = 1 << 20;

    public static void EnsureAllocated()
    {
        var field = Type.GetType("SharpFuzz.Common.Trace, SharpFuzz.Common")?.GetField("SharedMem", BindingFlags.Public | BindingFlags.Static);
        if (field is null || Pointer.Unbox(field.GetValue(null)!) != null) return;
        field.SetValue(null, Pointer.Box(NativeMemory.AllocZeroed(Size), typeof(byte*)));
    }
}
