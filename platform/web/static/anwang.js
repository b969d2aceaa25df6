/* Small page behaviour that needs no library: the side nav marks the section last chosen. */
document.addEventListener("click", function (event) {
  var link = event.target.closest(".sidenav a");
  if (!link) return;
  document.querySelectorAll(".sidenav a.on").forEach(function (a) {
    a.classList.remove("on");
  });
  link.classList.add("on");
});
