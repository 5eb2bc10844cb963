// Sharing tunnels: Export all (a .zip) and a tunnel as a QR code for a phone.
export { default as ExportNotice } from './ExportNotice.svelte';
export { default as QrDialog } from './QrDialog.svelte';
export { ExportAll } from './export-all.svelte.js';
export { TunnelQrState } from './tunnel-qr.svelte.js';
