// Chart.js for the Reports screen (/console/reports/), bundled by esbuild into one ES module with only the parts the
// screen draws: bars (waits, deadlines per line) and lines (the daily trend).
import {
  Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend,
  Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale,
  Legend, Tooltip);

export { Chart };
