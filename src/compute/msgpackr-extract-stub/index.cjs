module.exports = null; // msgpackr then uses its pure-JS decoder
