/** Chinese reasons shown to senders for files we cannot read. One place, so wording stays consistent. */
export const REASONS = {
  corrupt: '文件已损坏或不完整，无法打开。请用 Excel 或 Word 重新保存后再发送。',
  encrypted: '文件设置了打开密码，无法读取。请取消密码后重新发送。',
  macro: '文件含有宏（VBA），出于安全原因不予读取。请另存为不含宏的 .xlsx 或 .docx 后重新发送。',
  unsupported: (kind: string) =>
    `不支持的文件类型（${kind}），请使用 Excel 或 Word 格式（.xlsx/.xls/.docx/.doc）。`,
  tooLarge: '文件解压后体积过大，疑似异常压缩文件，无法读取。请直接发送 Excel 或 Word 表格。',
  tooManyEntries: (n: number) => `压缩包内文件过多（超过 ${n} 个），无法读取。请只打包报名表格。`,
  ratio: '压缩包内文件压缩比异常，疑似压缩炸弹，无法读取。',
  tooDeep: (n: number) => `压缩包嵌套层数过多（超过 ${n} 层），无法读取。请直接打包报名表格。`,
  unsafePath: (p: string) => `压缩包内文件路径不安全（${p}），已跳过。`,
  zipEncrypted: '压缩包内文件设置了密码，无法读取。请取消密码后重新打包。',
  zipMethod: (m: number) => `压缩包使用了不支持的压缩方式（${m}），请用常规 zip 格式重新打包。`,
  tooManyRows: (sheet: string, n: number) =>
    `表格“${sheet}”超过 ${n} 行，无法读取。请确认没有多余内容，或拆分后分别发送。`,
  xlsb: '不支持 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 后重新发送。',
  ods: '不支持 OpenDocument 格式（.ods/.odt），请另存为 .xlsx 或 .docx 后重新发送。',
  emptyText: '文件内容为空，无法读取。',
  emptyZip: '压缩包内没有可读取的文件。请把报名表格（Excel 或 Word）打包后重新发送。',
} as const;
