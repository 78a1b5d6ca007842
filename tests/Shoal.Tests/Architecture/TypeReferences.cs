using System.Reflection;
using System.Reflection.Emit;

namespace Shoal.Tests.Architecture;

/// <summary>
/// Every type a compiled type uses: its base type and interfaces, fields, properties, events, method signatures and
/// local variables, and what its method bodies touch (the type, method and field tokens in the IL: calls, object
/// creation, field access, casts, typeof). Compiler-generated nested types (lambdas, async state machines) are their
/// own types, so scan nested types too.
/// </summary>
internal static class TypeReferences
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types <paramref name="type"/> refers to, each with where (for the failure message).</summary>
    public static IEnumerable<(Type Used, string Where)> Of(Type type)
    {
        if (type.BaseType is { } baseType) foreach (var t in Flatten(baseType)) yield return (t, "base type");
        foreach (var i in type.GetInterfaces()) foreach (var t in Flatten(i)) yield return (t, "interface");
        foreach (var field in type.GetFields(Everything))
            foreach (var t in Flatten(field.FieldType)) yield return (t, $"field {field.Name}");
        foreach (var property in type.GetProperties(Everything))
            foreach (var t in Flatten(property.PropertyType)) yield return (t, $"property {property.Name}");
        foreach (var e in type.GetEvents(Everything))
            if (e.EventHandlerType is { } handler) foreach (var t in Flatten(handler)) yield return (t, $"event {e.Name}");
        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
            foreach (var (t, where) in OfMethod(type, method)) yield return (t, where);
    }

    /// <summary>The methods, fields and types the bodies of <paramref name="type"/>'s methods use, with the method's name.</summary>
    public static IEnumerable<(MemberInfo Used, string Method)> BodyMembers(Type type)
    {
        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            MethodBody? body;
            try { body = method.GetMethodBody(); }
            catch (InvalidOperationException) { continue; }
            if (body is null) continue;
            foreach (var member in Operands(type, method, body.GetILAsByteArray() ?? [])) yield return (member, method.Name);
        }
    }

    private static IEnumerable<(Type, string)> OfMethod(Type owner, MethodBase method)
    {
        string name = method.Name;
        if (method is MethodInfo info) foreach (var t in Flatten(info.ReturnType)) yield return (t, $"{name} returns");
        foreach (var parameter in method.GetParameters())
            foreach (var t in Flatten(parameter.ParameterType)) yield return (t, $"{name} parameter {parameter.Name}");
        MethodBody? body;
        try { body = method.GetMethodBody(); }
        catch (InvalidOperationException) { yield break; }
        if (body is null) yield break;
        foreach (var local in body.LocalVariables)
            foreach (var t in Flatten(local.LocalType)) yield return (t, $"{name} local");
        foreach (var member in Operands(owner, method, body.GetILAsByteArray() ?? []))
            foreach (var t in TypesOf(member)) yield return (t, $"{name} body ({member.Name})");
    }

    /// <summary>The members and types named by the IL's operand tokens.</summary>
    private static IEnumerable<MemberInfo> Operands(Type owner, MethodBase method, byte[] il)
    {
        var typeArgs = owner.IsGenericType ? owner.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int i = 0;
        while (i < il.Length)
        {
            OpCode op = il[i] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += op.Size;
            switch (op.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                {
                    int token = BitConverter.ToInt32(il, i);
                    i += 4;
                    MemberInfo? member = null;
                    try { member = method.Module.ResolveMember(token, typeArgs, methodArgs); }
                    catch (ArgumentException) { }
                    if (member is not null) yield return member;
                    break;
                }
                default: // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
                    i += 4;
                    break;
            }
        }
    }

    private static IEnumerable<Type> TypesOf(MemberInfo member)
    {
        switch (member)
        {
            case Type type:
                foreach (var t in Flatten(type)) yield return t;
                break;
            case FieldInfo field:
                foreach (var t in Flatten(field.DeclaringType)) yield return t;
                foreach (var t in Flatten(field.FieldType)) yield return t;
                break;
            case MethodBase method:
                foreach (var t in Flatten(method.DeclaringType)) yield return t;
                if (method is MethodInfo { IsGenericMethod: true } generic)
                    foreach (var a in generic.GetGenericArguments()) foreach (var t in Flatten(a)) yield return t;
                if (method is MethodInfo info) foreach (var t in Flatten(info.ReturnType)) yield return t;
                foreach (var p in method.GetParameters()) foreach (var t in Flatten(p.ParameterType)) yield return t;
                break;
        }
    }

    /// <summary>A type and what it is built from: element types of arrays and references, generic arguments.</summary>
    private static IEnumerable<Type> Flatten(Type? type)
    {
        if (type is null) yield break;
        if (type.HasElementType)
        {
            foreach (var t in Flatten(type.GetElementType())) yield return t;
            yield break;
        }
        if (type.IsGenericParameter) yield break;
        yield return type.IsGenericType && !type.IsGenericTypeDefinition ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType) foreach (var a in type.GetGenericArguments()) foreach (var t in Flatten(a)) yield return t;
    }
}
