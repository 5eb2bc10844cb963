// The network the machine is on: "Sign in to this network" past a kill switch, for a captive portal.
export { default as SignInBanner } from './SignInBanner.svelte';
export { SignIn } from './sign-in.svelte.js';
