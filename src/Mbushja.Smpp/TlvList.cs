using System.Buffers.Binary;
using System.Collections;
using System.Runtime.CompilerServices;
using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp;

/// <summary>
/// The optional parameters of a PDU, in wire order (SMPP v3.4 §3.2.4). Order and unknown tags are kept, so a PDU
/// decodes and encodes to the same octets. The typed properties read the first occurrence of a tag; they are null
/// when it is absent.
/// </summary>
[CollectionBuilder(typeof(TlvList), nameof(Create))]
public sealed class TlvList : IReadOnlyList<Tlv>, IEquatable<TlvList>
{
    private readonly Tlv[] _items;

    private TlvList(Tlv[] items) => _items = items;

    /// <summary>No optional parameters: shared, so a PDU without them allocates no list.</summary>
    public static TlvList Empty { get; } = new([]);

    public static TlvList Create(ReadOnlySpan<Tlv> items) => items.IsEmpty ? Empty : new TlvList(items.ToArray());

    public int Count => _items.Length;

    public Tlv this[int index] => _items[index];

    /// <summary>This list and <paramref name="tlv"/> after it.</summary>
    public TlvList Add(Tlv tlv) => new([.. _items, tlv]);

    /// <summary>The value of the first TLV with <paramref name="tag"/>.</summary>
    public bool TryGet(TlvTag tag, out ReadOnlyMemory<byte> value)
    {
        foreach (Tlv tlv in _items)
        {
            if (tlv.Tag == tag)
            {
                value = tlv.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    public bool Contains(TlvTag tag) => TryGet(tag, out _);

    /// <summary>sar_msg_ref_num (§5.3.2.22).</summary>
    public ushort? SarMsgRefNum => TryGet(TlvTag.SarMsgRefNum, out ReadOnlyMemory<byte> v) && v.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(v.Span) : null;

    /// <summary>sar_total_segments (§5.3.2.23).</summary>
    public byte? SarTotalSegments => Octet(TlvTag.SarTotalSegments);

    /// <summary>sar_segment_seqnum (§5.3.2.24).</summary>
    public byte? SarSegmentSeqnum => Octet(TlvTag.SarSegmentSeqnum);

    /// <summary>message_payload (§5.3.2.32).</summary>
    public ReadOnlyMemory<byte>? MessagePayload => TryGet(TlvTag.MessagePayload, out ReadOnlyMemory<byte> v) ? v : (ReadOnlyMemory<byte>?)null;

    /// <summary>receipted_message_id (§5.3.2.12), without its NUL.</summary>
    public string? ReceiptedMessageId
    {
        get
        {
            if (!TryGet(TlvTag.ReceiptedMessageId, out ReadOnlyMemory<byte> v))
            {
                return null;
            }

            ReadOnlySpan<byte> span = v.Span;
            int nul = span.IndexOf((byte)0);
            return CString.Decode(nul < 0 ? span : span[..nul]);
        }
    }

    /// <summary>message_state (§5.3.2.35).</summary>
    public MessageState? MessageState => Octet(TlvTag.MessageState) is { } b ? (MessageState)b : null;

    /// <summary>ussd_service_op (§5.3.2.44).</summary>
    public UssdServiceOp? UssdServiceOp => Octet(TlvTag.UssdServiceOp) is { } b ? (UssdServiceOp)b : null;

    /// <summary>its_session_info (§5.3.2.43).</summary>
    public ItsSessionInfo? ItsSessionInfo =>
        TryGet(TlvTag.ItsSessionInfo, out ReadOnlyMemory<byte> v) && v.Length == Smpp.ItsSessionInfo.Length ? Smpp.ItsSessionInfo.Read(v.Span) : null;

    /// <summary>sc_interface_version (§5.3.2.25).</summary>
    public byte? ScInterfaceVersion => Octet(TlvTag.ScInterfaceVersion);

    internal int EncodedLength
    {
        get
        {
            int length = 0;
            foreach (Tlv tlv in _items)
            {
                length += tlv.EncodedLength;
            }

            return length;
        }
    }

    private byte? Octet(TlvTag tag) => TryGet(tag, out ReadOnlyMemory<byte> v) && v.Length == 1 ? v.Span[0] : null;

    /// <summary>
    /// Reads a TLV stream (§3.2.4.1) whose values stay slices of <paramref name="stream"/>. On a broken stream the
    /// status says why: ESME_RINVOPTPARSTREAM for a tag, length or value that runs past the body, ESME_RINVPARLEN for
    /// a wrong length of a parameter Mbushja interprets, ESME_RINVOPTPARAMVAL for a C-octet string without its NUL.
    /// </summary>
    internal static TlvList Parse(ReadOnlyMemory<byte> stream, out CommandStatus status, out string? detail)
    {
        ReadOnlySpan<byte> span = stream.Span;
        int count = 0;
        int position = 0;
        while (position < span.Length)
        {
            int left = span.Length - position;
            if (left < 4)
            {
                status = CommandStatus.InvalidOptionalParameterStream;
                detail = DecodeMessages.TlvHeaderTruncated(position, left);
                return Empty;
            }

            ushort tag = BinaryPrimitives.ReadUInt16BigEndian(span[position..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(span[(position + 2)..]);
            if (length > left - 4)
            {
                status = CommandStatus.InvalidOptionalParameterStream;
                detail = DecodeMessages.TlvValueTruncated(tag, length, left - 4);
                return Empty;
            }

            if (Tlv.ExpectedLength((TlvTag)tag) is { } expected && (length < expected.Min || length > expected.Max))
            {
                status = CommandStatus.InvalidParameterLength;
                detail = DecodeMessages.TlvWrongLength(tag, length, expected.Min, expected.Max);
                return Empty;
            }

            if ((TlvTag)tag == TlvTag.ReceiptedMessageId && span[position + 4 + length - 1] != 0)
            {
                status = CommandStatus.InvalidOptionalParameterValue;
                detail = DecodeMessages.TlvNotCString(tag);
                return Empty;
            }

            count++;
            position += 4 + length;
        }

        status = CommandStatus.Ok;
        detail = null;
        if (count == 0)
        {
            return Empty;
        }

        var items = new Tlv[count];
        position = 0;
        for (int i = 0; i < count; i++)
        {
            var tag = (TlvTag)BinaryPrimitives.ReadUInt16BigEndian(span[position..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(span[(position + 2)..]);
            items[i] = Tlv.Trusted(tag, stream.Slice(position + 4, length));
            position += 4 + length;
        }

        return new TlvList(items);
    }

    public Enumerator GetEnumerator() => new(_items);

    IEnumerator<Tlv> IEnumerable<Tlv>.GetEnumerator() => ((IEnumerable<Tlv>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(TlvList? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    public override bool Equals(object? obj) => Equals(obj as TlvList);

    public override int GetHashCode()
    {
        HashCode hash = default;
        foreach (Tlv tlv in _items)
        {
            hash.Add(tlv);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", _items)}]";

    /// <summary>An enumerator that allocates nothing.</summary>
    public struct Enumerator
    {
        private readonly Tlv[] _items;
        private int _index;

        internal Enumerator(Tlv[] items)
        {
            _items = items;
            _index = -1;
        }

        public readonly Tlv Current => _items[_index];

        public bool MoveNext() => ++_index < _items.Length;
    }
}
