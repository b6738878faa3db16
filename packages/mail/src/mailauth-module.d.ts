// mailauth (CommonJS) ships no type declarations; mailauth.ts narrows these to what it uses.
declare module 'mailauth' {
  const mailauth: unknown;
  export default mailauth;
}
