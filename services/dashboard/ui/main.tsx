// The dashboard's entry point (services/dashboard/bundle.ts bundles it, its
// CSS imports included, into dist/dashboard/assets/).

import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './base.css';
import './pages.css';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
