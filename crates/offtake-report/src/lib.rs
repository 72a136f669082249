//! Reports: terminal tables, JSON, CSV, HTML with SVG charts, XLSX.
