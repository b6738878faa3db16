// SheetJS's OLE compound-file reader on its own, so the readers can load it on first use by named import
// (a dynamic import of the whole package would keep all of SheetJS in the bundle, unshaken).
export { CFB } from '@e965/xlsx';
