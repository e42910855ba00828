/** Demo page entry point (placeholder until the demo lands). */
const app = document.getElementById('app');
if (app) app.textContent = 'pocketrec demo';
