namespace Mbushja.Smpp;

/// <summary>
/// The data_coding field (SMPP v3.4 §5.2.19). 0x00–0x0F have SMPP's own meanings; the rest follow the SMS data
/// coding scheme of 3GPP TS 23.038 §4 (coding groups in bits 7..4), as SMSCs send them through.
/// </summary>
public static class DataCoding
{
    /// <summary>SMSC default alphabet: GSM 03.38 on the operators Mbushja meets (packed or not is an SMSC setting).</summary>
    public const byte SmscDefault = 0x00;

    /// <summary>IA5 (CCITT T.50) / ASCII (ANSI X3.4).</summary>
    public const byte Ia5 = 0x01;

    /// <summary>Octet unspecified (8-bit binary).</summary>
    public const byte Binary = 0x02;

    /// <summary>Latin 1 (ISO-8859-1).</summary>
    public const byte Latin1 = 0x03;

    /// <summary>Octet unspecified (8-bit binary), the second code for it.</summary>
    public const byte Binary2 = 0x04;

    /// <summary>JIS (X 0208-1990).</summary>
    public const byte Jis = 0x05;

    /// <summary>Cyrillic (ISO-8859-5).</summary>
    public const byte Cyrillic = 0x06;

    /// <summary>Latin/Hebrew (ISO-8859-8).</summary>
    public const byte LatinHebrew = 0x07;

    /// <summary>UCS2 (ISO/IEC-10646), big-endian; UTF-16BE in practice (surrogate pairs for emoji).</summary>
    public const byte Ucs2 = 0x08;

    /// <summary>Pictogram encoding.</summary>
    public const byte Pictogram = 0x09;

    /// <summary>ISO-2022-JP (music codes).</summary>
    public const byte Iso2022Jp = 0x0A;

    /// <summary>Extended Kanji JIS (X 0212-1990).</summary>
    public const byte ExtendedKanjiJis = 0x0D;

    /// <summary>KS C 5601.</summary>
    public const byte KsC5601 = 0x0E;

    /// <summary>
    /// False for the values that neither table defines: SMPP's reserved 0x0B, 0x0C and 0x0F; in 23.038's general
    /// coding groups (00xx, 01xx) the reserved alphabet (bits 3..2 = 11); and the reserved coding groups 1000–1011.
    /// </summary>
    public static bool IsValid(byte dataCoding) => dataCoding switch
    {
        0x0B or 0x0C or 0x0F => false,
        < 0x10 => true,
        < 0x80 => (dataCoding & 0b0000_1100) != 0b0000_1100,
        < 0xC0 => false,
        _ => true,
    };
}
